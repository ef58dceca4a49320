package dev.overtune.findings;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Where a loss over pre-training tokens is lowest, and which checkpoints are not significantly worse than
 * that one (paired measurement comparisons, Bonferroni over the other checkpoints): the paper's U shape of the
 * perturbed model's OOD loss per γ (§3.3) and of the fine-tuned OOD loss per fixed learning rate (§3.4.1).
 * Descriptive: the minimum is chosen from the same data the comparisons use.
 *
 * @param notWorse tokens of the checkpoints whose loss is not significantly above the minimum, the minimum included
 * @param covers   which noise the comparisons carry
 */
public record MinimumOverTokens(String key, String label, int checkpoints, String minCheckpoint, long minTokens, double minValue,
                                long lastTokens, List<Long> notWorse, String covers) {
    public MinimumOverTokens {
        notWorse = List.copyOf(notWorse);
    }

    public boolean beforeEnd() {
        return checkpoints > 0 && minTokens < lastTokens;
    }

    public String sentence() {
        if (checkpoints < 2) {
            return label + ": " + checkpoints + " checkpoint" + (checkpoints == 1 ? "" : "s") + "; no minimum over tokens to place.";
        }
        String set = notWorse.stream().map(Format::tokens).collect(Collectors.joining(", "));
        return label + ": lowest at " + Format.tokens(minTokens) + " tokens (" + Format.loss(minValue) + ")"
                + (beforeEnd() ? ", before the last checkpoint" : ", the last checkpoint") + "; not significantly worse: " + set
                + " (paired 95% comparisons, Bonferroni over " + (checkpoints - 1) + "; " + covers + ").";
    }
}
