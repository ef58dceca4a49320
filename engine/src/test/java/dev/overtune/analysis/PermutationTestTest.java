package dev.overtune.analysis;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PermutationTestTest {
    @Test
    void risingTailOfThreeCheckpointsByHand() {
        // K = 3 has one tail, the whole series: S = sign(1−3) + sign(2−3) + sign(2−1) = −1. Of the 3! orderings,
        // S = 3 (none out of order), 1 (two orderings), −1 (two), −3 (one): five have S ≥ −1.
        PermutationTest.Result r = PermutationTest.upper(new double[] {3, 1, 2}, TrendStatistics.RISING_TAIL);
        assertEquals(5.0 / 6, r.p(), 1e-12);
        assertEquals(1.0 / 6, r.floor(), 1e-12, "only the increasing ordering reaches S = 3");
        assertEquals(6, r.orderings());
        assertTrue(r.exact());
    }

    @Test
    void increasingSeriesReachesTheFloorAndADecreasingOneNeverRejects() {
        double[] up = {0.1, 0.2, 0.25, 0.4, 0.41};
        PermutationTest.Result r = PermutationTest.upper(up, TrendStatistics.RISING_TAIL);
        assertEquals(1.0 / 120, r.p(), 1e-12);
        assertEquals(r.floor(), r.p(), 0.0);
        assertEquals(1.0, PermutationTest.upper(new double[] {5, 4, 3, 2, 1}, TrendStatistics.RISING_TAIL).p(), 1e-12);
    }

    @Test
    void risingTailUsesOnlyTheTail() {
        // The tail from b = 2 (2, 3, 4) rises perfectly: S = 3 over sd √(3·2·11/18) = 1.915; the whole series has
        // S = −2 + ... smaller. A fall before the tail adds nothing.
        double[] fallThenRise = {9, 8, 2, 3, 4};
        assertEquals(3 / Math.sqrt(3 * 2 * 11 / 18.0), TrendStatistics.RISING_TAIL.of(fallThenRise), 1e-12);
        double[] riseOnly = {0, 1, 2, 3, 4};
        assertEquals(10 / Math.sqrt(5 * 4 * 15 / 18.0), TrendStatistics.RISING_TAIL.of(riseOnly), 1e-12);
    }

    @Test
    void spearmanGrowthIsOneSidedAndExact() {
        // ρ = 1 with 6 points: 1 of 720 orderings; one adjacent swap (Σd² = 2): the identity and the 5 swaps.
        assertEquals(1.0 / 720, PermutationTest.upper(new double[] {1, 2, 3, 4, 5, 6}, TrendStatistics.GROWS).p(), 1e-12);
        assertEquals(6.0 / 720, PermutationTest.upper(new double[] {1, 3, 2, 4, 5, 6}, TrendStatistics.GROWS).p(), 1e-12);
        assertEquals(1.0, PermutationTest.upper(new double[] {6, 5, 4, 3, 2, 1}, TrendStatistics.GROWS).p(), 1e-12,
                "a falling series is no evidence of growth");
        assertEquals(1.0 / 6, PermutationTest.upper(new double[] {1, 2, 3}, TrendStatistics.GROWS).p(), 1e-12);
    }

    @Test
    void floorIsOneOverKFactorial() {
        long f = 1;
        for (int k = 1; k <= 8; k++) {
            f *= k;
            if (k >= 3) {
                assertEquals(1.0 / f, PermutationTest.floor(k, TrendStatistics.RISING_TAIL), 1e-15, "K = " + k);
                assertEquals(1.0 / f, PermutationTest.floor(k, TrendStatistics.GROWS), 1e-15, "K = " + k);
            }
        }
    }

    @Test
    void tiesAreComparedOnTheValues() {
        // Two equal values: orderings that swap them are the same series, counted twice, and ties score 0.
        double[] tied = {1, 1, 2};
        PermutationTest.Result r = PermutationTest.upper(tied, TrendStatistics.GROWS);
        // ρ of (1,1,2) with (1,2,3) is 0.866; of the 6 orderings, the two that put 2 last give it.
        assertEquals(2.0 / 6, r.p(), 1e-12);
        assertEquals(2.0 / 6, r.floor(), 1e-12);
    }

    @Test
    void manyCheckpointsUseSeededRandomOrderings() {
        double[] up = new double[10];
        for (int i = 0; i < up.length; i++) {
            up[i] = i * i;
        }
        PermutationTest.Result r = PermutationTest.upper(up, TrendStatistics.RISING_TAIL);
        assertFalse(r.exact());
        assertEquals(Orderings.RANDOM + 1, r.orderings());
        assertEquals(1.0 / (Orderings.RANDOM + 1), r.p(), 1e-12, "(1 + 0) / (1 + N)");
        double[] zigzag = {5, 1, 9, 3, 7, 0, 2, 8, 6, 4};
        double p = PermutationTest.upper(zigzag, TrendStatistics.GROWS).p();
        assertTrue(p > 0.2, "an unrelated ordering is not significant: " + p);
        assertEquals(p, PermutationTest.upper(zigzag, TrendStatistics.GROWS).p(), 0.0, "seeded");
    }
}
