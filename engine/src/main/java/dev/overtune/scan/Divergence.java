package dev.overtune.scan;

import java.util.Map;

/**
 * Whether a unit's measurement says the probe broke the model. A loss that is not finite, or above twice the
 * loss of predicting every token of the vocabulary uniformly (2·ln V), is no measurement of the checkpoint but
 * of a model the probe destroyed: the unit is stored as failed with a reason starting "diverged: ", so the
 * analysis lists it as such and never draws it as a number in a trend or an inflection.
 */
public final class Divergence {
    public static final String PREFIX = "diverged: ";

    private Divergence() {}

    /** The ceiling above which a loss counts as diverged: 2·ln V nats per token. */
    public static double ceiling(int vocabSize) {
        return 2 * Math.log(vocabSize);
    }

    /** The reason the metrics show divergence, or null when they do not. Every metric must be finite; losses must be under the ceiling. */
    public static String judge(Map<String, Double> metrics, int vocabSize) {
        double ceiling = ceiling(vocabSize);
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            double v = e.getValue();
            if (!Double.isFinite(v)) {
                return PREFIX + e.getKey() + " is " + v;
            }
            if (e.getKey().contains("loss") && v > ceiling) {
                return PREFIX + e.getKey() + " is " + String.format("%.4g", v) + ", above 2·ln V = " + String.format("%.3f", ceiling)
                        + " (V = " + vocabSize + ", uniform prediction " + String.format("%.3f", ceiling / 2) + ")";
            }
        }
        return null;
    }

    public static boolean isDiverged(UnitResult r) {
        return !r.done() && r.reason() != null && r.reason().startsWith(PREFIX);
    }
}
