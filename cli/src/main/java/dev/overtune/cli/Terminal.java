package dev.overtune.cli;

import java.io.Console;

/** What the progress lines share: whether stderr is a terminal, and how a duration reads. */
final class Terminal {
    private Terminal() {}

    /** Java has no isatty for stderr alone; a console whose streams are terminals is the closest test. */
    static boolean stderrIsTerminal() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** "42s", "3m07s", "1h05m"; "?" when unknown. */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
        }
        if (s >= 60) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }
}
