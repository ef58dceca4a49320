package dev.overtune.series;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a checkpoint directory's name says about it, for the naming schemes of published series:
 * Pythia's {@code step143000}, OLMo's {@code step1000-tokens4B} and {@code stage1-step928646-tokens3896B},
 * and the Hugging Face Trainer's {@code checkpoint-500}.
 */
record CheckpointDirectoryName(long step, OptionalLong tokens) {
    private static final Pattern PYTHIA = Pattern.compile("step(\\d{1,18})");
    private static final Pattern HF_TRAINER = Pattern.compile("checkpoint-(\\d{1,18})");
    private static final Pattern OLMO = Pattern.compile("(?:stage\\d+-)?step(\\d{1,18})-tokens(\\d{1,18}(?:\\.\\d{1,9})?)([KMBT]?)");

    /** The step and tokens in {@code name}, or empty when the name follows none of the schemes. */
    static Optional<CheckpointDirectoryName> parse(String name) {
        Matcher m = PYTHIA.matcher(name);
        if (m.matches() || (m = HF_TRAINER.matcher(name)).matches()) {
            return Optional.of(new CheckpointDirectoryName(Long.parseLong(m.group(1)), OptionalLong.empty()));
        }
        m = OLMO.matcher(name);
        if (m.matches()) {
            OptionalLong tokens = tokenCount(m.group(2), m.group(3));
            return tokens.isPresent() ? Optional.of(new CheckpointDirectoryName(Long.parseLong(m.group(1)), tokens)) : Optional.empty();
        }
        return Optional.empty();
    }

    /** "3896" + "B" is 3,896,000,000; empty when the count does not fit a long or is not whole. */
    static OptionalLong tokenCount(String number, String suffix) {
        BigDecimal scale = switch (suffix) {
            case "K" -> BigDecimal.TEN.pow(3);
            case "M" -> BigDecimal.TEN.pow(6);
            case "B" -> BigDecimal.TEN.pow(9);
            case "T" -> BigDecimal.TEN.pow(12);
            default -> BigDecimal.ONE;
        };
        try {
            return OptionalLong.of(new BigDecimal(number).multiply(scale).longValueExact());
        } catch (ArithmeticException e) {
            return OptionalLong.empty();
        }
    }
}
