package dev.overtune.report;

import java.util.Locale;

/**
 * Where a post-modification metric (lower is better) stops improving with pre-training: the checkpoint
 * that minimises it and how much worse the last checkpoint is, with a bootstrap interval over seeds.
 *
 * @param metric         a stable key, e.g. {@code finetune.tuned.id_test_loss}
 * @param label          the metric in words
 * @param checkpoints    checkpoints with a value for this metric
 * @param degradation    last value − minimum value (0 when the minimum is the last checkpoint)
 * @param degradationCi  95% percentile interval of the degradation over seed resamples
 * @param minSupport     share of resamples whose minimum is at the same checkpoint
 */
public record Inflection(String metric, String label, Verdict verdict, int checkpoints,
                         String minCheckpoint, long minTokens, double minValue, long lastTokens, double lastValue,
                         double degradation, Interval degradationCi, double minSupport, int resamples) {

    public enum Verdict {
        /** The minimum is before the last checkpoint and the degradation interval excludes 0. */
        SIGNIFICANT,
        /** The minimum is before the last checkpoint but the degradation interval reaches 0. */
        NOT_SIGNIFICANT,
        /** The minimum is before the last checkpoint; too few seeds to put an interval on it. */
        UNTESTED,
        /** The metric is lowest at the last checkpoint: no inflection in the range scanned. */
        NONE_IN_RANGE,
        /** Fewer than two checkpoints have this metric. */
        TOO_FEW_CHECKPOINTS;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** Whether the plotted curve has a minimum before its end worth marking. */
    public boolean hasMinimumBeforeEnd() {
        return verdict == Verdict.SIGNIFICANT || verdict == Verdict.NOT_SIGNIFICANT || verdict == Verdict.UNTESTED;
    }

    /** The finding in plain words. */
    public String sentence() {
        String min = "lowest at " + Format.tokens(minTokens) + " tokens (" + minCheckpoint + ", " + Format.loss(minValue) + "); the last checkpoint ("
                + Format.tokens(lastTokens) + " tokens) is " + Format.fixed(degradation, 3) + " worse";
        String ci = "95% CI " + Format.fixed(degradationCi.lo(), 3) + " to " + Format.fixed(degradationCi.hi(), 3);
        String resampled = " over " + resamples + " seed resamples (the minimum stays at this checkpoint in "
                + Math.round(100 * minSupport) + "% of them)";
        return label + ": " + switch (verdict) {
            case SIGNIFICANT -> min + ", " + ci + resampled + ". Inflection point: pre-training past "
                    + Format.tokens(minTokens) + " tokens made this worse.";
            case NOT_SIGNIFICANT -> min + ", but the " + ci + " includes 0" + resampled + ". No significant inflection.";
            case UNTESTED -> min + ". Only one seed per checkpoint, so no interval: a possible inflection, untested.";
            case NONE_IN_RANGE -> "keeps improving; lowest at the last checkpoint (" + Format.tokens(lastTokens) + " tokens, "
                    + Format.loss(lastValue) + "). No inflection in the range scanned.";
            case TOO_FEW_CHECKPOINTS -> "fewer than two checkpoints have it; nothing to say about an inflection.";
        };
    }
}
