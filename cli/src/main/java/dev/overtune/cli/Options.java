package dev.overtune.cli;

import picocli.CommandLine;

import java.util.function.Supplier;

/**
 * Checks of option values that picocli's types cannot express. Whatever they refuse is a usage error: it
 * leaves as a {@link FlagValueException} (or picocli's own parameter exception), and {@link Main} prints
 * both the same way and exits 2.
 */
final class Options {
    private Options() {}

    /** A flag's value is wrong (zero, negative, malformed, out of range): exit 2. */
    static final class FlagValueException extends IllegalArgumentException {
        FlagValueException(String message) {
            super(message);
        }
    }

    static void requirePositive(String option, double value) {
        if (!(value > 0)) {
            throw new FlagValueException(option + " must be positive, got " + show(value));
        }
    }

    static void requireNonNegative(String option, double value) {
        if (!(value >= 0)) {
            throw new FlagValueException(option + " must be zero or more, got " + show(value));
        }
    }

    /** The value as it was given: 0 for an integer flag, 0.5 for a fraction. */
    private static String show(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }

    /** Runs checks of flag values done elsewhere (the engine's settings records): what they refuse is a usage error. */
    static <T> T flags(Supplier<T> check) {
        try {
            return check.get();
        } catch (FlagValueException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new FlagValueException(e.getMessage());
        }
    }

    static void flags(Runnable check) {
        flags(() -> {
            check.run();
            return null;
        });
    }

    /** Every floating-point option: Infinity and NaN are refused where picocli reads the number. */
    static final class FiniteDouble implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double d;
            try {
                d = Double.parseDouble(value.strip());
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a number");
            }
            if (!Double.isFinite(d)) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a finite number; give a finite value");
            }
            return d;
        }
    }
}
