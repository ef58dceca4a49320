package dev.overtune.report;

import java.util.Locale;

/**
 * How a sensitivity (a loss increase under a modification) moves with pre-training tokens: Spearman's
 * rank correlation with tokens and its permutation p-value, and the value at the first and last
 * checkpoint that has one.
 *
 * @param metric a stable key, e.g. {@code noise.init.gamma=1.delta_ood}
 * @param label  the sensitivity in words
 */
public record Trend(String metric, String label, int checkpoints, double spearman, double pValue,
                    long firstTokens, double first, long lastTokens, double last) {
    /** The level below which a trend is called significant. */
    public static final double ALPHA = 0.05;

    public enum Direction { GROWS, SHRINKS, NO_CLEAR_TREND, TOO_FEW_CHECKPOINTS }

    public Direction direction() {
        if (checkpoints < 2) {
            return Direction.TOO_FEW_CHECKPOINTS;
        }
        if (spearman > 0 && last > first) {
            return Direction.GROWS;
        }
        if (spearman < 0 && last < first) {
            return Direction.SHRINKS;
        }
        return Direction.NO_CLEAR_TREND;
    }

    public boolean significant() {
        return pValue < ALPHA;
    }

    public String sentence() {
        String values = Format.delta(first) + " at " + Format.tokens(firstTokens) + " tokens to " + Format.delta(last) + " at "
                + Format.tokens(lastTokens);
        String stats = "(Spearman ρ = " + Format.fixed(spearman, 2) + ", " + p() + ", " + checkpoints + " checkpoints)";
        return label + ": " + switch (direction()) {
            case GROWS -> significant()
                    ? "grows with pre-training tokens, " + values + " " + stats + ". Progressive sensitivity."
                    : "rises from " + values + ", but not significantly " + stats + ".";
            case SHRINKS -> significant()
                    ? "shrinks with pre-training tokens, " + values + " " + stats + "."
                    : "falls from " + values + ", but not significantly " + stats + ".";
            case NO_CLEAR_TREND -> "no clear trend with pre-training tokens, " + values + " " + stats + ".";
            case TOO_FEW_CHECKPOINTS -> "fewer than two checkpoints have it; no trend to measure.";
        };
    }

    /** "grows", "grows (n.s.)", "no clear trend", ... */
    public String directionLabel() {
        String d = direction().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        boolean directed = direction() == Direction.GROWS || direction() == Direction.SHRINKS;
        return directed && !significant() ? d + " (n.s.)" : d;
    }

    String p() {
        String v = pValueText();
        return "p " + (v.startsWith("<") ? v : "= " + v);
    }

    /** The p-value for a table cell: 0.333, < 0.001, or - where there is none. */
    String pValueText() {
        if (!Double.isFinite(pValue)) {
            return Format.NONE;
        }
        return pValue < 0.001 ? "< 0.001" : Format.fixed(pValue, 3);
    }
}
