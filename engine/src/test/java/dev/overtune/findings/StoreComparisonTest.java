package dev.overtune.findings;

import dev.overtune.probe.ProbeKind;
import dev.overtune.scan.UnitResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreComparisonTest {
    static final List<UnitResult> A = List.of(Units.base(1000, 3.0, 3.1, 2.0), Units.noise(1000, 1.0, 7, 2.5),
            Units.fineTune(1000, 3e-3, 0, 2.6, 2.7, 2.2));

    @Test
    void identicalStoresAgreeAtZeroTolerance() {
        StoreComparison c = StoreComparison.of(A, A, new Tolerance(0, 0));
        assertTrue(c.beyondTolerance().isEmpty());
        assertEquals(3, c.units().size());
        assertEquals(0.0, c.largestAbsolute().orElseThrow().metric().absolute());
        assertEquals(0.0, c.largestRelative().orElseThrow().metric().relative());
    }

    @Test
    void aMetricBeyondTheToleranceIsNamedWithItsUnit() {
        List<UnitResult> b = List.of(A.get(0), Units.noise(1000, 1.0, 7, 2.5 + 1e-3), A.get(2));
        StoreComparison loose = StoreComparison.of(A, b, new Tolerance(0, 1e-3));
        assertTrue(loose.beyondTolerance().isEmpty(), "1e-3 over 2.5 is 4e-4 relative");
        StoreComparison tight = StoreComparison.of(A, b, new Tolerance(1e-4, 1e-5));
        List<StoreComparison.Difference> d = tight.beyondTolerance();
        assertEquals(1, d.size());
        assertEquals("ckpt-1000 noise gamma=1.0 scale=init seed=7 ood_loss: 2.5 vs 2.501", d.getFirst().describe());
        assertEquals(1e-3, tight.largestAbsolute().orElseThrow().metric().absolute(), 1e-12);
        assertEquals("ood_loss", tight.largestRelative().orElseThrow().metric().metric());
    }

    @Test
    void missingUnitsFailuresOnOneSideAndMissingMetricsAreDifferences() {
        UnitResult failedFt = Units.failed(1000, ProbeKind.FINETUNE, Map.of("lr", Double.toString(3e-3)), 0, "diverged at step 3");
        UnitResult quant = Units.quant(1000, 8, 0, 3.0, 3.1, 2.0);
        List<UnitResult> b = List.of(A.get(0), failedFt, quant);
        List<String> d = StoreComparison.of(A, b, new Tolerance(1, 1)).beyondTolerance().stream()
                .map(StoreComparison.Difference::describe).toList();
        assertEquals(List.of("ckpt-1000 noise gamma=1.0 scale=init seed=7: only in store A",
                "ckpt-1000 finetune lr=0.003 seed=0: failed in store B only: diverged at step 3",
                "ckpt-1000 quant bits=8 group=0: only in store B"), d);

        UnitResult fewerMetrics = new UnitResult(A.get(1).unitId(), A.get(1).checkpoint(), A.get(1).tokens(), ProbeKind.NOISE, A.get(1).setting(),
                7, UnitResult.Status.DONE, Map.of(), List.of(), null, "cuda", "x", "y", 1);
        List<StoreComparison.Difference> missing = StoreComparison.of(List.of(A.get(1)), List.of(fewerMetrics), new Tolerance(1, 1)).beyondTolerance();
        assertEquals(1, missing.size());
        assertTrue(missing.getFirst().describe().endsWith("ood_loss: 2.5 vs NaN"), missing.getFirst().describe());
    }

    @Test
    void toleranceIsAbsolutePlusRelativeAndNeverWithinForNaN() {
        Tolerance t = new Tolerance(1e-6, 1e-3);
        assertTrue(t.within(1000, 1001));
        assertFalse(t.within(1000, 1001.1));
        assertTrue(t.within(0, 1e-6));
        assertFalse(t.within(Double.NaN, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Tolerance(-1, 0));
    }
}
