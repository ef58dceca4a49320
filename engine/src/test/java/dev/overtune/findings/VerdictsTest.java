package dev.overtune.findings;

import dev.overtune.scan.UnitResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerdictsTest {
    @Test
    void pValuesReadAsPrinted() {
        assertEquals("0.167", Verdicts.p(1.0 / 6));
        assertEquals("0.0083", Verdicts.p(1.0 / 120));
        assertEquals("2.5e-05", Verdicts.p(1.0 / 40320), "1/8! is no '< 0.0001'");
        assertEquals("-", Verdicts.p(Double.NaN));
        assertEquals("p = 0.050", Verdicts.pEquals(0.05));
    }

    @Test
    void twoCheckpointsSayNothingIsTested() {
        List<UnitResult> units = new ArrayList<>();
        for (long t : new long[] {1_000_000, 2_000_000}) {
            units.add(Units.base(t, 3, 3, 2));
            units.add(Units.fineTune(t, 1e-3, 0, 2.5, 2.5, 2.4));
        }
        ScanAnalysis a = ScanAnalysis.of(units);
        assertTrue(a.limits().stream().anyMatch(l -> l.startsWith("2 checkpoints have results: an inflection or trend test needs at least 3")),
                a.limits().toString());
        assertEquals(Inflection.Verdict.TOO_FEW_CHECKPOINTS, a.inflections().get(0).verdict());
        assertTrue(a.inflections().get(0).sentence().contains("an inflection test needs at least 3"), a.inflections().get(0).sentence());
    }
}
