package dev.overtune.analysis;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PairedDifferenceTest {
    @Test
    void seedsAndWindowsCombineByHand() {
        // Two seeds × three windows. Differences d[r][w] (after − before):
        //   seed 0: 0.1, 0.2, 0.3 (mean 0.2); seed 1: 0.3, 0.4, 0.5 (mean 0.4)
        // Row means 0.2, 0.4: variance 0.02, / 2 rows = 0.01. Window means 0.2, 0.3, 0.4: variance 0.01, / 3 = 0.00333.
        double[][] before = {{1, 1, 1}, {2, 2, 2}};
        double[][] after = {{1.1, 1.2, 1.3}, {2.3, 2.4, 2.5}};
        Measurement m = PairedDifference.of(new double[] {1, 2}, new double[] {1.2, 2.4}, before, after);
        assertEquals(0.3, m.estimate(), 1e-12);
        double rowTerm = 0.01;
        double windowTerm = 0.01 / 3;
        assertEquals(Math.sqrt(rowTerm + windowTerm), m.se(), 1e-12);
        // Welch–Satterthwaite: (a + b)² / (a²/1 + b²/2)
        assertEquals(Math.pow(rowTerm + windowTerm, 2) / (rowTerm * rowTerm + windowTerm * windowTerm / 2), m.df(), 1e-9);
        assertEquals(Measurement.Covers.SEEDS_AND_EVALUATION, m.covers());
        double[] ci = m.interval(0.95);
        double half = Distributions.tQuantile(0.975, Math.floor(m.df())) * m.se();
        assertEquals(0.3 - half, ci[0], 1e-9);
        assertEquals(0.3 + half, ci[1], 1e-9);
    }

    @Test
    void weightedWindowsWeighAsTheMetricDoes() {
        // One row, three examples of 1, 1 and 2 tokens; differences 0.1, 0.5, 0.2: weighted mean (0.1 + 0.5 + 0.4)/4 = 0.25.
        // Σ w²(d − 0.25)² = 0.0225 + 0.0625 + 4·0.0025 = 0.095; SE² = 3/2 · 0.095 / 16.
        double[] w = {1, 1, 2};
        Measurement m = PairedDifference.of(new double[] {1}, new double[] {1.25}, new double[][] {{1, 1, 1}},
                new double[][] {{1.1, 1.5, 1.2}}, w);
        assertEquals(0.25, m.estimate(), 1e-12);
        assertEquals(Math.sqrt(1.5 * 0.095 / 16), m.se(), 1e-12);
        assertEquals(2, m.df(), 0.0);
        // Unweighted the same windows give var{0.1, 0.5, 0.2}/3, about their own mean 0.2667.
        Measurement unweighted = PairedDifference.of(new double[] {1}, new double[] {1.25}, new double[][] {{1, 1, 1}},
                new double[][] {{1.1, 1.5, 1.2}});
        double mean = 0.8 / 3;
        double ss = Math.pow(0.1 - mean, 2) + Math.pow(0.5 - mean, 2) + Math.pow(0.2 - mean, 2);
        assertEquals(Math.sqrt(ss / 2 / 3), unweighted.se(), 1e-9);
    }

    @Test
    void withoutWindowsOnlySeedNoise() {
        Measurement m = PairedDifference.of(new double[] {1, 1, 1}, new double[] {1.1, 1.2, 1.3}, null, null);
        assertEquals(0.2, m.estimate(), 1e-12);
        assertEquals(0.1 / Math.sqrt(3), m.se(), 1e-12);
        assertEquals(2, m.df(), 0.0);
        assertEquals(Measurement.Covers.SEEDS_ONLY, m.covers());
        assertEquals(0.2 - 4.3027 * 0.1 / Math.sqrt(3), m.interval(0.95)[0], 1e-4);
    }

    @Test
    void oneRowWithWindowsCarriesEvaluationNoiseAndOneRowWithoutCarriesNothing() {
        Measurement m = PairedDifference.of(new double[] {2}, new double[] {2.2}, new double[][] {{2, 2, 2, 2}},
                new double[][] {{2.1, 2.2, 2.3, 2.2}});
        assertEquals(0.2, m.estimate(), 1e-12);
        assertEquals(Math.sqrt(0.02 / 3 / 4), m.se(), 1e-12);
        assertEquals(3, m.df(), 0.0);
        assertEquals(Measurement.Covers.EVALUATION_ONLY, m.covers());
        Measurement none = PairedDifference.of(new double[] {2}, new double[] {2.2}, null, null);
        assertFalse(none.hasInterval());
        assertEquals(Measurement.Covers.NOTHING, none.covers());
    }

    @Test
    void pairingCancelsWhatASeedOrWindowShares() {
        // Seed 1 is 0.5 worse everywhere and window 2 is 1.0 harder everywhere: neither may widen the interval.
        double[][] before = {{1, 1, 2}, {1.5, 1.5, 2.5}};
        double[][] after = {{1.1, 1.1, 2.1}, {1.6, 1.6, 2.6}};
        Measurement m = PairedDifference.of(new double[] {4 / 3.0, 5.5 / 3}, new double[] {4.3 / 3, 5.8 / 3}, before, after);
        assertEquals(0.1, m.estimate(), 1e-12);
        assertTrue(m.se() < 1e-9, "every paired difference is 0.1: " + m.se());
        assertTrue(m.hasInterval(), "no spread is a zero-width interval, not a missing one");
        assertEquals(0.1, m.interval(0.95)[0], 1e-9);
    }
}
