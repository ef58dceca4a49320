package dev.overtune.findings;

import dev.overtune.analysis.Measurement;

import java.util.Locale;

/**
 * The paper's precondition for catastrophic overtraining: across a fine-tuned metric's rise (its minimum to
 * the last checkpoint), the base model's same metric must keep improving. Judged by the base's change over
 * that range and its measurement interval (evaluation noise of the base unit's windows).
 *
 * @param change  base metric at the last checkpoint − at the fine-tuned minimum (in the metric's own units)
 * @param ci      95% measurement interval of the change
 */
public record BaseChange(Kind kind, double change, Interval ci) {
    public static final BaseChange NONE = new BaseChange(Kind.NOT_MEASURED, Double.NaN, Interval.NONE);

    public enum Kind {
        /** The base model keeps improving while the fine-tuned one gets worse: catastrophic overtraining. */
        STILL_IMPROVING,
        /** The base model gets worse over the same range: the rise is inherited from it. */
        ALSO_WORSENING,
        /** The base's change is within its interval of zero (or has no interval): cannot tell which. */
        CANNOT_TELL,
        /** No base unit with this metric at both checkpoints. */
        NOT_MEASURED;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** From the measured change of the base metric; for accuracy (higher is better) "worse" is a fall. */
    static BaseChange of(Measurement m, boolean higherIsBetter) {
        if (!Double.isFinite(m.estimate())) {
            return NONE;
        }
        Interval ci = Paired.ci95(m);
        double worseLo = higherIsBetter ? -ci.hi() : ci.lo();
        double worseHi = higherIsBetter ? -ci.lo() : ci.hi();
        Kind kind = !ci.available() ? Kind.CANNOT_TELL
                : worseHi < 0 ? Kind.STILL_IMPROVING
                : worseLo > 0 ? Kind.ALSO_WORSENING
                : Kind.CANNOT_TELL;
        return new BaseChange(kind, m.estimate(), ci);
    }

    /** The precondition in words, to follow an inflection finding. */
    String sentence() {
        String measured = "the base model changes by " + Format.delta(change) + " over the same range";
        String tell = "cannot tell overtraining from a change inherited from the base model.";
        return switch (kind) {
            case STILL_IMPROVING -> measured + " (95% CI " + Verdicts.interval(ci) + "), still improving: catastrophic overtraining in the paper's sense.";
            case ALSO_WORSENING -> measured + " (95% CI " + Verdicts.interval(ci) + "), getting worse too: inherited from the base model, not overtraining.";
            case CANNOT_TELL -> ci.available() ? measured + " (95% CI " + Verdicts.interval(ci) + "), flat within its interval: " + tell
                    : measured + ", with no interval (no per-window losses): " + tell;
            case NOT_MEASURED -> "the base model's metric was not measured at both checkpoints: " + tell;
        };
    }
}
