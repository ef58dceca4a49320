package dev.overtune.report;

import java.math.BigDecimal;
import java.util.Locale;

/** How numbers read in tables and on plots: token counts in k/M/B/T, losses to three decimals, "-" for none. */
final class Format {
    static final String NONE = "-";

    private Format() {}

    /** A setting as it was written: 0.003, 1, 0.5 (no exponent, no trailing zeros). */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return NONE;
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** Pre-training tokens with three significant digits: 512, 3.07k, 1.2M, 300B. */
    static String tokens(double t) {
        if (!Double.isFinite(t)) {
            return NONE;
        }
        String[] units = {"", "k", "M", "B", "T", "P"};
        double v = Math.abs(t);
        int u = 0;
        while (v >= 999.5 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        String digits = v >= 99.95 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 9.995 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
        if (digits.contains(".")) {
            digits = digits.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return (t < 0 ? "-" : "") + digits + units[u];
    }

    static String loss(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : NONE;
    }

    static String delta(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%+.3f", v) : NONE;
    }

    static String fixed(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : NONE;
    }
}
