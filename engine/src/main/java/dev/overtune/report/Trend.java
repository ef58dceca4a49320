package dev.overtune.report;

import java.util.Locale;

/**
 * How a sensitivity (a loss increase under a modification) moves with pre-training tokens: Spearman's
 * rank correlation with tokens, and its value at the first and last checkpoint that has one.
 *
 * @param metric a stable key, e.g. {@code noise.init.gamma=1.0.delta_ood}
 * @param label  the sensitivity in words
 */
public record Trend(String metric, String label, int checkpoints, double spearman,
                    long firstTokens, double first, long lastTokens, double last) {

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

    public String sentence() {
        String values = Format.delta(first) + " at " + Format.tokens(firstTokens) + " tokens, " + Format.delta(last) + " at "
                + Format.tokens(lastTokens) + " (Spearman ρ = " + Format.fixed(spearman, 2) + " over " + checkpoints + " checkpoints)";
        return label + ": " + switch (direction()) {
            case GROWS -> "grows with pre-training tokens, " + values + ". Progressive sensitivity.";
            case SHRINKS -> "shrinks with pre-training tokens, " + values + ".";
            case NO_CLEAR_TREND -> "no clear trend with pre-training tokens, " + values + ".";
            case TOO_FEW_CHECKPOINTS -> "fewer than two checkpoints have it; no trend to measure.";
        };
    }

    public String directionLabel() {
        return direction().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
