package dev.overtune.cli;

/** Checks of option values that picocli's types cannot express. */
final class Options {
    private Options() {}

    static void requirePositive(String option, double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException(option + " must be positive, got " + value);
        }
    }

    static void requireNonNegative(String option, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(option + " must be zero or more, got " + value);
        }
    }
}
