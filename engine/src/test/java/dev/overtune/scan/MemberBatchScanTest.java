package dev.overtune.scan;

import dev.overtune.probe.NoiseScale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Noise draws evaluated together in one member-axis forward store what the one-by-one path stores. */
class MemberBatchScanTest {
    private static final double RELATIVE = 1e-5;

    @Test
    void batchedNoiseDrawsStoreTheOneByOneResultsAndADivergingDrawFailsAlone(@TempDir Path dir) {
        List<ScanCheckpoint> series = TinySeries.make(dir.resolve("series")).subList(0, 2);
        ScanSettings s = TinyScans.settings();
        // gamma 3000: every parameter drowned in noise, a loss far above 2 ln V: those draws diverge, the others do not.
        ScanSettings settings = new ScanSettings(s.eval(), s.fineTune(), new ScanSettings.Noise(NoiseScale.INIT, List.of(0.5, 3000.0, 2.0), 3, 50),
                s.quant(), s.threads());
        Map<String, UnitResult> alone = scan(series, settings, dir.resolve("alone.db"), 1);
        Map<String, UnitResult> together = scan(series, settings, dir.resolve("together.db"), 4);
        assertEquals(alone.keySet(), together.keySet(), "the same units, under the same ids");
        int compared = 0;
        int failed = 0;
        for (UnitResult a : alone.values()) {
            UnitResult b = together.get(a.unitId());
            assertEquals(a.status(), b.status(), a.unitId() + " " + a.probe() + " " + a.setting());
            if (!a.done()) {
                assertTrue(a.reason().startsWith(Divergence.PREFIX) && b.reason().startsWith(Divergence.PREFIX), a.reason() + " / " + b.reason());
                failed++;
                continue;
            }
            assertEquals(a.metrics().keySet(), b.metrics().keySet());
            for (Map.Entry<String, Double> m : a.metrics().entrySet()) {
                double x = m.getValue();
                double y = b.metrics().get(m.getKey());
                assertTrue(Math.abs(x - y) <= RELATIVE * Math.max(1e-9, Math.abs(x)),
                        a.probe() + " " + a.setting() + " seed " + a.seed() + " " + m.getKey() + ": one by one " + x + ", together " + y);
                compared++;
            }
            double[] sa = a.samples("ood_loss");
            double[] sb = b.samples("ood_loss");
            assertEquals(sa.length, sb.length);
            for (int i = 0; i < sa.length; i++) {
                assertTrue(Math.abs(sa[i] - sb[i]) <= RELATIVE * Math.abs(sa[i]), a.unitId() + " window " + i);
            }
        }
        assertEquals(2 * 3, failed, "the gamma-3000 draws of both checkpoints fail, and only they");
        assertTrue(compared > 50, "compared " + compared + " metrics");
    }

    private static Map<String, UnitResult> scan(List<ScanCheckpoint> series, ScanSettings settings, Path store, int members) {
        return Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(settings).store(store)
                .members(members).run().results().stream().collect(Collectors.toMap(UnitResult::unitId, Function.identity()));
    }
}
