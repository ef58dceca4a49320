package dev.overtune.findings;

import java.util.Locale;

/** The level and the wording every verdict of the report shares. */
public final class Verdicts {
    /** Family-wise: a finding is significant when its Holm-adjusted p is at most this. */
    public static final double ALPHA = 0.05;

    private Verdicts() {}

    /** A p-value as printed: 0.0083, 0.167, 2.5e-05 (1/8!), or - where there is none. */
    public static String p(double p) {
        if (!Double.isFinite(p)) {
            return Format.NONE;
        }
        if (p < 0.0001) {
            return String.format(Locale.ROOT, "%.1e", p);
        }
        return p < 0.01 ? String.format(Locale.ROOT, "%.4f", p) : String.format(Locale.ROOT, "%.3f", p);
    }

    /** "p = 0.0083". */
    static String pEquals(double p) {
        return "p = " + p(p);
    }

    /** The raw and Holm-adjusted p, and how the raw one was computed. */
    static String test(double p, double holm, int orderings, boolean exact, int checkpoints) {
        return pEquals(p) + " (Holm " + p(holm) + "), " + (exact ? "exact over all " + orderings : orderings + " random")
                + " orderings of " + checkpoints + " checkpoints";
    }

    public static String interval(Interval ci) {
        return ci.available() ? Format.fixed(ci.lo(), 3) + " to " + Format.fixed(ci.hi(), 3) : Format.NONE;
    }
}
