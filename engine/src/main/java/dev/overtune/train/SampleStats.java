package dev.overtune.train;

import dev.overtune.analysis.Moments;

/**
 * The mean of an evaluation's per-window (per-example) values and its standard error. Values are
 * kept as float32 (what the store holds); every metric is computed here from the rounded values, so a
 * stored metric is exactly the mean of its stored samples.
 */
public final class SampleStats {
    private SampleStats() {}

    /** The value as the store keeps it. */
    public static double rounded(double v) {
        return (float) v;
    }

    public static double mean(double[] x) {
        return Moments.mean(x);
    }

    /** Σ wᵢxᵢ / Σ wᵢ: e.g. per-example losses per token weighted by their tokens give the loss per token of all of them. */
    public static double weightedMean(double[] x, double[] w) {
        return Moments.weightedMean(x, w);
    }

    /**
     * Standard error of the mean, as lm-eval's {@code mean_stderr}: the sample standard deviation (n − 1)
     * over √n. NaN for fewer than two values.
     */
    public static double stderr(double[] x) {
        return Math.sqrt(Moments.variance(x) / x.length);
    }

    /**
     * Standard error of the weighted mean as a ratio estimator (Σ wᵢxᵢ / Σ wᵢ with the examples drawn at
     * random): √(n/(n−1) · Σ wᵢ²(xᵢ − m)²) / Σ wᵢ. Equal weights give {@link #stderr(double[])}.
     */
    public static double weightedStderr(double[] x, double[] w) {
        return Moments.weightedStderr(x, w);
    }
}
