package dev.overtune.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsTest {
    @Test
    void tQuantilesMatchPublishedTables() {
        assertEquals(12.706, Stats.t975(1), 1e-3);
        assertEquals(2.042, Stats.t975(30), 1e-3);
        assertEquals(2.021, Stats.t975(40), 1e-3);
        assertEquals(1.984, Stats.t975(100), 1e-3);
        assertEquals(1.962, Stats.t975(1000), 1e-3);
    }

    @Test
    void tIntervalOfThreeSamples() {
        // mean 0.2, sd 0.1, t(2) = 4.3027: half-width 4.3027 * 0.1 / sqrt(3)
        Interval ci = Stats.tInterval95(new double[] {0.1, 0.2, 0.3});
        double half = 4.3027 * 0.1 / Math.sqrt(3);
        assertEquals(0.2 - half, ci.lo(), 1e-9);
        assertEquals(0.2 + half, ci.hi(), 1e-9);
        assertFalse(Stats.tInterval95(new double[] {0.1}).available(), "one sample has no interval");
    }

    @Test
    void percentileInterpolatesLikeNumpy() {
        double[] xs = {4, 1, 3, 2};
        assertEquals(1.0, Stats.percentile(xs, 0), 1e-12);
        assertEquals(2.5, Stats.percentile(xs, 0.5), 1e-12);
        assertEquals(1.075, Stats.percentile(xs, 0.025), 1e-12);
        assertEquals(4.0, Stats.percentile(xs, 1), 1e-12);
    }

    @Test
    void spearmanOfKnownRankings() {
        double[] x = {1, 2, 3, 4};
        assertEquals(1.0, Stats.spearman(x, new double[] {0.1, 0.5, 0.6, 9}), 1e-12);
        assertEquals(-1.0, Stats.spearman(x, new double[] {9, 0.6, 0.5, 0.1}), 1e-12);
        // one swapped pair: 1 - 6 * 2 / (4 * 15)
        assertEquals(0.8, Stats.spearman(x, new double[] {1, 3, 2, 4}), 1e-12);
        // ties share the average rank: ranks of y are 1, 2.5, 2.5, 4
        assertEquals(0.9486833, Stats.spearman(x, new double[] {1, 2, 2, 3}), 1e-6);
        assertTrue(Double.isNaN(Stats.spearman(x, new double[] {5, 5, 5, 5})), "a constant has no rank correlation");
    }

    @Test
    void spearmanPValueIsExactForFewPointsAndSampledForMany() {
        assertEquals(2.0 / 6, Stats.spearmanPValue(new double[] {1, 2, 3}, new double[] {1, 2, 3}), 1e-12);
        // n = 4, rho = 0.8 (one adjacent swap): as extreme are 1 + 3 orderings each way, of 24.
        assertEquals(8.0 / 24, Stats.spearmanPValue(new double[] {1, 2, 3, 4}, new double[] {1, 3, 2, 4}), 1e-12);
        double[] x = new double[12];
        double[] y = new double[12];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
            y[i] = Math.exp(i / 3.0);
        }
        assertTrue(Stats.spearmanPValue(x, y) < 0.001, "a perfect ranking of 12 points is very unlikely by chance");
        double[] zigzag = {5, 1, 9, 3, 7, 11, 2, 8, 12, 4, 10, 6};
        assertTrue(Stats.spearmanPValue(x, zigzag) > 0.2, "an unrelated ordering is not significant");
        assertEquals(Stats.spearmanPValue(x, zigzag), Stats.spearmanPValue(x, zigzag), "seeded");
    }
}
