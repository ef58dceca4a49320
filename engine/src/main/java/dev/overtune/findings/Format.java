package dev.overtune.findings;

import dev.overtune.pretrain.TokenCount;
import java.math.BigDecimal;
import java.util.Locale;

/** How numbers read in tables and on plots: token counts in k/M/B/T, losses to three decimals, "-" for none. */
public final class Format {
    public static final String NONE = "-";

    private Format() {}

    /** A setting as it was written: 0.003, 1, 0.5 (no exponent, no trailing zeros). */
    public static String number(double v) {
        if (!Double.isFinite(v)) {
            return NONE;
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** Pre-training tokens as everywhere else in overtune ({@link TokenCount#format}): 512, 3.07K, 1.2M, 300B. */
    public static String tokens(double t) {
        return Double.isFinite(t) ? TokenCount.format(t) : NONE;
    }

    public static String loss(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : NONE;
    }

    public static String delta(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%+.3f", v) : NONE;
    }

    public static String fixed(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : NONE;
    }
}
