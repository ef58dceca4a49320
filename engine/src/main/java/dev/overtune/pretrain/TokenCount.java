package dev.overtune.pretrain;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Token counts as people write them: {@code 8K}, {@code 1.5M}, {@code 2B}. Decimal: K is 1,000, as in
 * Pythia's and OLMo's budgets. {@link #format} is the one way overtune shows a count (tables, plots,
 * progress, reports); {@link #label} the exact form that names a budget and parses back.
 */
public final class TokenCount {
    private static final long[] SCALES = {1_000_000_000L, 1_000_000L, 1_000L};
    private static final String[] SUFFIXES = {"B", "M", "K"};

    private TokenCount() {}

    public static long parse(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        long scale = 1;
        for (int i = 0; i < SUFFIXES.length; i++) {
            if (t.endsWith(SUFFIXES[i])) {
                scale = SCALES[i];
                t = t.substring(0, t.length() - 1);
                break;
            }
        }
        try {
            BigDecimal value = new BigDecimal(t).multiply(BigDecimal.valueOf(scale));
            long tokens = value.longValueExact();
            if (tokens <= 0) {
                throw new IllegalArgumentException("'" + text + "' is not a positive token count");
            }
            return tokens;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number of tokens; write e.g. 500K, 1.5M or 2B");
        }
    }

    /**
     * A count with three significant digits and no trailing zeros: 512, 1.54K, 64K, 999K, 1M,
     * 16.8M, 2.1B, 300B; "-" when not finite.
     */
    public static String format(double tokens) {
        if (!Double.isFinite(tokens)) {
            return "-";
        }
        String[] units = {"", "K", "M", "B", "T", "P"};
        double v = Math.abs(tokens);
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
        return (tokens < 0 ? "-" : "") + digits + units[u];
    }

    /** The shortest exact form: 1000000 is "1M", 1500000 is "1500K", 12345 stays "12345". */
    public static String label(long tokens) {
        for (int i = 0; i < SCALES.length; i++) {
            if (tokens % SCALES[i] == 0) {
                return tokens / SCALES[i] + SUFFIXES[i];
            }
        }
        return Long.toString(tokens);
    }
}
