package dev.overtune.task;

import java.util.List;

/**
 * An example in the form every scored kind reduces to: a context and the continuations it is
 * scored on, one of them right. Training uses the context and the right continuation; accuracy
 * compares the log-likelihoods of all continuations (lm-eval's log-likelihood scoring).
 */
public record Candidates(String context, List<String> continuations, int gold) {
    public Candidates {
        continuations = List.copyOf(continuations);
        if (gold < 0 || gold >= continuations.size()) {
            throw new IllegalArgumentException("gold " + gold + " is not one of the " + continuations.size() + " continuations");
        }
    }

    public String goldContinuation() {
        return continuations.get(gold);
    }
}
