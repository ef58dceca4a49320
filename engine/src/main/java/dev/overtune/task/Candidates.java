package dev.overtune.task;

import java.util.List;

/**
 * An example in the form every scored kind reduces to: a context and the continuations it is
 * scored on, one of them right. Training uses the context and the right continuation; accuracy
 * compares the log-likelihoods of all continuations (lm-eval's log-likelihood scoring).
 *
 * @param delimiter what every continuation starts with before its choice (lm-eval's target delimiter, " " for
 *                  labels and choices), so {@link #choiceLength(int)} can leave it out as lm-eval's acc_norm does
 */
public record Candidates(String context, List<String> continuations, int gold, String delimiter) {
    public Candidates {
        continuations = List.copyOf(continuations);
        if (gold < 0 || gold >= continuations.size()) {
            throw new IllegalArgumentException("gold " + gold + " is not one of the " + continuations.size() + " continuations");
        }
        for (String c : continuations) {
            if (!c.startsWith(delimiter)) {
                throw new IllegalArgumentException("continuation '" + c + "' does not start with the delimiter '" + delimiter + "'");
            }
        }
    }

    /** Continuations used as they are, without a delimiter. */
    public Candidates(String context, List<String> continuations, int gold) {
        this(context, continuations, gold, "");
    }

    /**
     * The length of choice j in characters (Unicode code points, Python's {@code len}) without the delimiter:
     * what lm-eval's acc_norm divides the choice's log-likelihood by ({@code completion_len}).
     */
    public int choiceLength(int j) {
        String c = continuations.get(j);
        return c.codePointCount(delimiter.length(), c.length());
    }

    public String goldContinuation() {
        return continuations.get(gold);
    }
}
