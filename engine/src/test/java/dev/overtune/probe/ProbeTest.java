package dev.overtune.probe;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A probe's stored form is the one stores have always held, and reads back to the same probe. */
class ProbeTest {
    private static final List<Probe> PROBES = List.of(new Probe.Base(), new Probe.FineTune(0.003, 2), new Probe.FineTune(1e-4, 0),
            new Probe.Noise(NoiseScale.INIT, 1.0, 1001), new Probe.Noise(NoiseScale.RELATIVE, 0.25, 7),
            new Probe.Quant(new Quantization(8, 0)), new Probe.Quant(new Quantization(4, 32)));

    @Test
    void theStoredFormIsTheOneStoresHold() {
        assertEquals("{}", new Probe.Base().fields().toString());
        assertEquals("{lr=0.003}", new Probe.FineTune(0.003, 2).fields().toString());
        assertEquals("{lr=1.0E-4}", new Probe.FineTune(1e-4, 0).fields().toString());
        assertEquals("{gamma=1.0, scale=init}", new Probe.Noise(NoiseScale.INIT, 1.0, 1001).fields().toString());
        assertEquals("{bits=4, group=32}", new Probe.Quant(new Quantization(4, 32)).fields().toString());
        assertEquals(1001, new Probe.Noise(NoiseScale.INIT, 1.0, 1001).seed());
        assertEquals(0, new Probe.Quant(new Quantization(4, 32)).seed());
    }

    @Test
    void everyProbeReadsBackFromItsStoredForm() {
        for (Probe p : PROBES) {
            assertEquals(p, Probe.of(p.kind(), p.fields(), p.seed()), p.toString());
        }
    }

    @Test
    void settingsStoredBeforeTheyHadEveryKeyReadWithTheDefaultsOfTheirTime() {
        assertEquals(new Probe.Noise(NoiseScale.INIT, 2.0, 5), Probe.of(ProbeKind.NOISE, Map.of("gamma", "2.0"), 5));
        assertEquals(new Probe.Quant(new Quantization(8, 0)), Probe.of(ProbeKind.QUANT, Map.of("bits", "8"), 0));
    }

    @Test
    void aStoredSettingWithoutItsValueIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Probe.of(ProbeKind.FINETUNE, Map.of(), 1));
        assertTrue(e.getMessage().contains("finetune") && e.getMessage().contains("'lr'"), e.getMessage());
    }

    @Test
    void labelsAndMetricsFollowTheProbe() {
        assertEquals("lr=0.003 seed=2", new Probe.FineTune(0.003, 2).describe());
        assertEquals("gamma=1.0 scale=init seed=1001", new Probe.Noise(NoiseScale.INIT, 1.0, 1001).describe());
        assertEquals("bits=4 group=32", new Probe.Quant(new Quantization(4, 32)).describe());
        assertEquals("", new Probe.Base().describe());
        assertFalse(new Probe.Noise(NoiseScale.INIT, 1.0, 1).measuresTask());
        assertEquals(List.of(MetricKeys.OOD_LOSS), new Probe.Noise(NoiseScale.INIT, 1.0, 1).metrics());
        assertTrue(new Probe.FineTune(0.003, 2).metrics().contains(MetricKeys.TRAIN_LOSS_LAST));
        assertTrue(new Probe.Quant(new Quantization(8, 0)).metrics().contains(MetricKeys.ID_TEST_LOSS));
    }
}
