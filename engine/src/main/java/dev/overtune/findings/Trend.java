package dev.overtune.findings;

import dev.overtune.analysis.PermutationTest;

import java.util.Locale;

/**
 * How a sensitivity (a loss increase under a modification) moves with pre-training tokens: Spearman's ρ with
 * token order and the one-sided permutation test of "it grows", the direction the paper predicts; the value
 * at the first and last checkpoint that has one.
 *
 * @param metric a stable key, e.g. {@code noise.init.gamma=1.delta_ood}
 * @param label  the sensitivity in words
 * @param pHolm  p adjusted by Holm over every test the report prints; NaN before adjustment
 * @param limit  why no verdict is possible, when none is
 */
public record Trend(String metric, String label, int checkpoints, double spearman, PermutationTest.Result test, double pHolm,
                    long firstTokens, double first, long lastTokens, double last, String limit) {
    /** The level at or below which a Holm-adjusted p is called significant. */
    public static final double ALPHA = Verdicts.ALPHA;

    public enum Direction { GROWS, SHRINKS, NO_CLEAR_TREND, TOO_FEW_CHECKPOINTS }

    public Direction direction() {
        if (checkpoints < 3 || !Double.isFinite(spearman)) {
            return checkpoints < 3 ? Direction.TOO_FEW_CHECKPOINTS : Direction.NO_CLEAR_TREND;
        }
        if (spearman > 0 && last > first) {
            return Direction.GROWS;
        }
        if (spearman < 0 && last < first) {
            return Direction.SHRINKS;
        }
        return Direction.NO_CLEAR_TREND;
    }

    public double pValue() {
        return test.p();
    }

    /** Grows, and its Holm-adjusted one-sided p is at most α. */
    public boolean significant() {
        return direction() == Direction.GROWS && limit == null && pHolm <= ALPHA;
    }

    Trend adjusted(double holm, String why) {
        return new Trend(metric, label, checkpoints, spearman, test, holm, firstTokens, first, lastTokens, last, why);
    }

    public String sentence() {
        String values = Format.delta(first) + " at " + Format.tokens(firstTokens) + " tokens to " + Format.delta(last) + " at "
                + Format.tokens(lastTokens);
        String stats = "(Spearman ρ = " + Format.fixed(spearman, 2) + ", one-sided " + Verdicts.test(test.p(), pHolm, test.orderings(),
                test.exact(), checkpoints) + ")";
        String limited = limit == null ? "" : " " + limit;
        return label + ": " + switch (direction()) {
            case GROWS -> significant()
                    ? "grows with pre-training tokens, " + values + " " + stats + ". Progressive sensitivity."
                    : "rises from " + values + ", but not significantly " + stats + "." + limited;
            case SHRINKS -> "falls from " + values + " " + stats + "; the paper predicts growth, so only growth is tested.";
            case NO_CLEAR_TREND -> "no clear trend with pre-training tokens, " + values + " " + stats + "." + limited;
            case TOO_FEW_CHECKPOINTS -> checkpoints + (checkpoints == 1 ? " checkpoint has" : " checkpoints have")
                    + " it; a trend test needs at least 3.";
        };
    }

    /** "grows", "grows (n.s.)", "shrinks", "no clear trend", ... */
    public String directionLabel() {
        String d = direction().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        return direction() == Direction.GROWS && !significant() ? d + " (n.s.)" : d;
    }

    /** The raw p-value for a table cell. */
    public String pValueText() {
        return Verdicts.p(test.p());
    }
}
