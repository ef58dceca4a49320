package dev.overtune.scan;

import dev.overtune.train.SampleStats;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one evaluation of a unit measured: metrics, and for each metric that is a mean over windows or
 * examples, those values (its samples). A sampled metric is computed here from its samples, so it is
 * always their (weighted) mean, and its standard error is stored beside it as {@code <metric>_stderr}.
 */
public final class Scores {
    /** The suffix of the metric holding a sampled metric's standard error of the mean. */
    public static final String STDERR = "_stderr";

    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private final Map<String, double[]> samples = new LinkedHashMap<>();

    /** A metric with no samples behind it (e.g. the last training loss). */
    public Scores put(String metric, double value) {
        metrics.put(metric, value);
        return this;
    }

    /** A mean over equally weighted windows or examples, e.g. per-window losses or 0/1 correctness. */
    public Scores sampled(String metric, double[] values) {
        metrics.put(metric, SampleStats.mean(values));
        putStderr(metric, SampleStats.stderr(values));
        samples.put(metric, values.clone());
        return this;
    }

    /**
     * A weighted mean, e.g. per-example losses per token weighted by the example's tokens; the weights are
     * kept as the samples of {@code <metric>}{@link UnitResult#WEIGHTS}.
     */
    public Scores sampled(String metric, double[] values, double[] weights) {
        metrics.put(metric, SampleStats.weightedMean(values, weights));
        putStderr(metric, SampleStats.weightedStderr(values, weights));
        samples.put(metric, values.clone());
        samples.put(metric + UnitResult.WEIGHTS, weights.clone());
        return this;
    }

    /** No standard error from a single window or example: nothing stored rather than NaN. */
    private void putStderr(String metric, double se) {
        if (!Double.isNaN(se)) {
            metrics.put(metric + STDERR, se);
        }
    }

    public Scores putAll(Scores other) {
        metrics.putAll(other.metrics);
        samples.putAll(other.samples);
        return this;
    }

    public Map<String, Double> metrics() {
        return metrics;
    }

    public Map<String, double[]> samples() {
        return samples;
    }
}
