package dev.overtune.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The standard error formulas, against values worked out by hand. */
class SampleStatsTest {
    @Test
    void stderrIsLmEvalsMeanStderr() {
        // mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, sample variance 5/3, stderr √(5/3)/√4.
        assertEquals(Math.sqrt(5.0 / 3) / 2, SampleStats.stderr(new double[] {1, 2, 3, 4}), 1e-15);
        assertEquals(2.5, SampleStats.mean(new double[] {1, 2, 3, 4}), 0);
    }

    @Test
    void stderrOfCorrectnessIsTheBinomialOneWithNMinusOne() {
        // 3 right of 8: p = 3/8, sample variance n p (1 - p) / (n - 1), so stderr √(p (1 - p) / (n - 1)).
        double[] correct = {1, 0, 0, 1, 0, 0, 1, 0};
        double p = 3.0 / 8;
        assertEquals(Math.sqrt(p * (1 - p) / 7), SampleStats.stderr(correct), 1e-15);
    }

    @Test
    void weightedMeanIsTheLossPerTokenOfAllExamples() {
        // Two examples: 2 tokens at 1.0 nats each, 6 tokens at 3.0: 20 nats over 8 tokens.
        assertEquals(20.0 / 8, SampleStats.weightedMean(new double[] {1, 3}, new double[] {2, 6}), 1e-15);
    }

    @Test
    void weightedStderrIsTheRatioEstimatorsAndReducesToTheMeansForEqualWeights() {
        double[] x = {0.5, 2.0, 1.25, 3.5, 0.75};
        double[] ones = {1, 1, 1, 1, 1};
        double[] threes = {3, 3, 3, 3, 3};
        assertEquals(SampleStats.stderr(x), SampleStats.weightedStderr(x, ones), 1e-15);
        assertEquals(SampleStats.stderr(x), SampleStats.weightedStderr(x, threes), 1e-15);
        // By hand: x = {1, 3}, w = {2, 6}: m = 2.5, Σ w²(x − m)² = 4·2.25 + 36·0.25 = 18, n/(n−1) = 2, Σw = 8.
        assertEquals(Math.sqrt(36) / 8, SampleStats.weightedStderr(new double[] {1, 3}, new double[] {2, 6}), 1e-15);
    }

    @Test
    void noStandardErrorFromOneValue() {
        assertTrue(Double.isNaN(SampleStats.stderr(new double[] {1.5})));
        assertTrue(Double.isNaN(SampleStats.mean(new double[0])));
    }
}
