package dev.overtune.report;

import java.util.ArrayList;
import java.util.List;

/** The findings in plain words, in the order a reader wants them: the tuned-protocol inflections, sensitivity, failures. */
final class Findings {
    private Findings() {}

    static List<String> headline(ScanAnalysis a) {
        List<String> out = new ArrayList<>();
        for (Inflection i : a.inflections()) {
            if (i.metric().startsWith("finetune.tuned.")) {
                out.add(i.sentence());
            }
        }
        for (Trend t : a.sensitivity()) {
            out.add(t.sentence());
        }
        List<CheckpointSummary> dead = a.unusableCheckpoints();
        if (!dead.isEmpty()) {
            out.add(dead.size() + (dead.size() == 1 ? " checkpoint" : " checkpoints") + " had no usable unit and "
                    + (dead.size() == 1 ? "is" : "are") + " left out: "
                    + String.join(", ", dead.stream().map(c -> c.name() + " (" + Format.tokens(c.tokens()) + " tokens)").toList()) + ".");
        }
        if (a.checkpoints().isEmpty()) {
            out.add("The store holds no units yet: nothing to report.");
        }
        return out;
    }

    /** One inflection in a few words, for lists of them. */
    static String brief(Inflection i) {
        return switch (i.verdict()) {
            case SIGNIFICANT -> "inflection at " + Format.tokens(i.minTokens()) + " tokens, +" + Format.fixed(i.degradation(), 3)
                    + " by the last checkpoint (95% CI " + Format.fixed(i.degradationCi().lo(), 3) + " to "
                    + Format.fixed(i.degradationCi().hi(), 3) + ")";
            case NOT_SIGNIFICANT -> "minimum at " + Format.tokens(i.minTokens()) + " tokens, +" + Format.fixed(i.degradation(), 3)
                    + " by the last checkpoint, not significant (95% CI " + Format.fixed(i.degradationCi().lo(), 3) + " to "
                    + Format.fixed(i.degradationCi().hi(), 3) + ")";
            case UNTESTED -> "minimum at " + Format.tokens(i.minTokens()) + " tokens, +" + Format.fixed(i.degradation(), 3)
                    + " by the last checkpoint (one seed: untested)";
            case NONE_IN_RANGE -> "no inflection in range (lowest at the last checkpoint)";
            case TOO_FEW_CHECKPOINTS -> "too few checkpoints";
        };
    }
}
