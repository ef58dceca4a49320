package dev.overtune.findings;

import dev.overtune.analysis.PermutationTest;

import java.util.Locale;

/**
 * Whether a post-modification metric gets worse past some checkpoint of pre-training: the checkpoint where
 * it is best, how much worse the last one is (with a measurement interval), and the permutation test of
 * "the metric does not rise" against "past some checkpoint it rises" over the order of the checkpoints.
 *
 * @param metric          a stable key, e.g. {@code finetune.tuned.id_test_loss}
 * @param label           the metric in words
 * @param higherIsBetter  true for accuracies, false for losses
 * @param checkpoints     checkpoints with a value for this metric
 * @param degradation     how much worse the last checkpoint is than the best one (≥ 0; 0 when the last is the best)
 * @param degradationCi   95% measurement interval of the degradation: {@code covers} says which noise it carries
 * @param test            the permutation test's p, its floor and how many orderings it compared
 * @param pHolm           p adjusted by Holm over every test the report prints; NaN before adjustment
 * @param base            the base model over the same range: the paper's precondition for overtraining
 * @param limit           why no verdict is possible, when none is (e.g. too few checkpoints for any p to reach α)
 */
public record Inflection(String metric, String label, boolean higherIsBetter, int checkpoints,
                         String minCheckpoint, long minTokens, double minValue, long lastTokens, double lastValue,
                         double degradation, Interval degradationCi, String covers,
                         PermutationTest.Result test, double pHolm, BaseChange base, String limit) {

    public enum Verdict {
        /** Its Holm-adjusted p is at most α and the metric is best before the last checkpoint. */
        SIGNIFICANT,
        /** Best before the last checkpoint, but the rise is not significant after Holm. */
        NOT_SIGNIFICANT,
        /** No p this test could give would be significant: too few checkpoints for the number of tests. */
        CANNOT_CONCLUDE,
        /** The metric is best at the last checkpoint: no inflection in the range scanned. */
        NONE_IN_RANGE,
        /** Fewer than three checkpoints have this metric. */
        TOO_FEW_CHECKPOINTS;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    public Verdict verdict() {
        if (checkpoints < 3 || !test.available()) {
            return Verdict.TOO_FEW_CHECKPOINTS;
        }
        if (degradation <= 0) {
            return Verdict.NONE_IN_RANGE;
        }
        if (limit != null) {
            return Verdict.CANNOT_CONCLUDE;
        }
        return pHolm <= Verdicts.ALPHA ? Verdict.SIGNIFICANT : Verdict.NOT_SIGNIFICANT;
    }

    public double pValue() {
        return test.p();
    }

    public double pFloor() {
        return test.floor();
    }

    Inflection adjusted(double holm, String why) {
        return new Inflection(metric, label, higherIsBetter, checkpoints, minCheckpoint, minTokens, minValue, lastTokens, lastValue,
                degradation, degradationCi, covers, test, holm, base, why);
    }

    /** Whether the plotted curve has a minimum before its end worth marking. */
    public boolean hasMinimumBeforeEnd() {
        Verdict v = verdict();
        return v == Verdict.SIGNIFICANT || v == Verdict.NOT_SIGNIFICANT || v == Verdict.CANNOT_CONCLUDE;
    }

    /** The finding in plain words. */
    public String sentence() {
        String best = (higherIsBetter ? "highest" : "lowest") + " at " + Format.tokens(minTokens) + " tokens (" + minCheckpoint + ", "
                + Format.loss(minValue) + "); the last checkpoint (" + Format.tokens(lastTokens) + " tokens) is "
                + Format.fixed(degradation, 3) + " worse (" + measurement() + ")";
        String tested = "rise past the best checkpoint: " + Verdicts.test(test.p(), pHolm, test.orderings(), test.exact(), checkpoints);
        return label + ": " + switch (verdict()) {
            case SIGNIFICANT -> best + "; " + tested + ". Inflection: pre-training past " + Format.tokens(minTokens)
                    + " tokens made this worse; " + base.sentence();
            case NOT_SIGNIFICANT -> best + "; " + tested + ". No significant inflection.";
            case CANNOT_CONCLUDE -> best + ". " + limit;
            case NONE_IN_RANGE -> "keeps improving; " + (higherIsBetter ? "highest" : "lowest") + " at the last checkpoint ("
                    + Format.tokens(lastTokens) + " tokens, " + Format.loss(lastValue) + "). No inflection in the range scanned.";
            case TOO_FEW_CHECKPOINTS -> checkpoints + (checkpoints == 1 ? " checkpoint has" : " checkpoints have")
                    + " it; an inflection test needs at least 3.";
        };
    }

    /** "95% measurement CI 0.01 to 0.03, seed and evaluation noise" or what is missing. */
    String measurement() {
        return degradationCi.available() ? "95% measurement CI " + Verdicts.interval(degradationCi) + ", " + covers : covers;
    }
}
