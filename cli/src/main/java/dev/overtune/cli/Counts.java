package dev.overtune.cli;

import dev.overtune.pretrain.TokenCount;

import java.util.Locale;

/** Large counts the way people read them: 2.10B tokens, 497.8 MB. */
final class Counts {

    private Counts() {}

    /** "1 checkpoint", "3 checkpoints". */
    static String of(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** 950 -> "950", 2_097_152_000 -> "2.1B": {@link TokenCount#format}, the one token-count format. */
    static String tokens(long n) {
        return TokenCount.format(n);
    }

    /** 548_000 -> "535.2 KiB". */
    static String bytes(long n) {
        return scaled(n, 1024, new String[] {"B", "KiB", "MiB", "GiB", "TiB", "PiB"}, " ");
    }

    private static String scaled(long n, int base, String[] units, String gap) {
        double v = n;
        int u = 0;
        while (Math.abs(v) >= base && u < units.length - 1) {
            v /= base;
            u++;
        }
        if (u == 0) {
            return n + gap + units[0];
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.1f%s%s" : "%.2f%s%s", v, gap, units[u]);
    }
}
