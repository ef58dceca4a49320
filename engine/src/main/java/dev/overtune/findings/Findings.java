package dev.overtune.findings;

import java.util.ArrayList;
import java.util.List;

/**
 * The findings in plain words, in the order a reader wants them: what the data cannot support, the tuned-protocol
 * inflections, sensitivity, the paper's U shapes, grid warnings, failures.
 */
public final class Findings {
    private Findings() {}

    public static List<String> headline(ScanAnalysis a) {
        List<String> out = new ArrayList<>(a.limits());
        for (Inflection i : a.inflections()) {
            if (i.metric().startsWith("finetune.tuned.")) {
                out.add(i.sentence());
            }
        }
        for (Trend t : a.sensitivity()) {
            out.add(t.sentence());
        }
        for (MinimumOverTokens m : a.perturbedMinima()) {
            out.add(m.sentence());
        }
        out.addAll(a.orderings());
        out.addAll(a.warnings());
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

    /** How every verdict was reached, in one paragraph for the foot of a table. */
    public static String method(ScanAnalysis a) {
        return "Verdicts: one-sided permutation tests over the order of the checkpoints (exact up to 8 checkpoints), valid when the "
                + "per-checkpoint values are exchangeable under no trend, so checkpoint-to-checkpoint scatter that more seeds do not "
                + "remove is in the null; inflection statistic: the largest standardised Mann–Kendall S of a tail of ≥ 3 checkpoints; "
                + "trend: Spearman's ρ with token order. p adjusted by Holm over all " + tests(a) + " tests printed; significant at "
                + "Holm-adjusted p ≤ " + Verdicts.ALPHA + ". Intervals are 95% measurement intervals (Student's t, Welch–Satterthwaite "
                + "degrees of freedom) of " + (a.perWindowLosses() ? "seed and evaluation noise, paired by seed and window"
                : "seed noise only (this store has no per-window losses)") + "; the verdict's p also covers checkpoint-to-checkpoint scatter."
                + (Double.isFinite(a.evaluationSe()) ? " Evaluation: a base model's mean loss has a standard error of at most "
                + Format.fixed(a.evaluationSe(), 4) + " nats over its windows." : "");
    }

    public static int tests(ScanAnalysis a) {
        return (int) (a.inflections().stream().filter(i -> i.test().available()).count()
                + a.sensitivity().stream().filter(t -> t.test().available()).count());
    }

    /** One inflection in a few words, for lists of them. */
    public static String brief(Inflection i) {
        String p = Verdicts.pEquals(i.pValue()) + ", Holm " + Verdicts.p(i.pHolm());
        String ci = i.degradationCi().available() ? " (95% CI " + Verdicts.interval(i.degradationCi()) + ")" : "";
        return switch (i.verdict()) {
            case SIGNIFICANT -> "inflection at " + Format.tokens(i.minTokens()) + " tokens, +" + Format.fixed(i.degradation(), 3)
                    + " by the last checkpoint" + ci + ", " + p + "; base " + i.base().kind().label();
            case NOT_SIGNIFICANT -> "minimum at " + Format.tokens(i.minTokens()) + " tokens, +" + Format.fixed(i.degradation(), 3)
                    + " by the last checkpoint" + ci + ", not significant (" + p + ")";
            case CANNOT_CONCLUDE -> "minimum at " + Format.tokens(i.minTokens()) + " tokens, +" + Format.fixed(i.degradation(), 3)
                    + " by the last checkpoint" + ci + "; too few checkpoints to test";
            case NONE_IN_RANGE -> "no inflection in range (best at the last checkpoint)";
            case TOO_FEW_CHECKPOINTS -> "too few checkpoints";
        };
    }
}
