package dev.overtune.cuda.driver;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates a preprocessor condition as C does: {@code defined X} is 1 or 0, other identifiers
 * are their predefined value or 0; {@code ! && || ( )}, comparisons and integer literals.
 */
final class ConditionEvaluator {
    private static final Pattern TOKEN = Pattern.compile("\\s*(\\d+[uUlL]*|\\w+|&&|\\|\\||[<>=!]=|[()!<>])");

    private final String text;
    private final Map<String, Long> macros;
    private int at;

    private ConditionEvaluator(String text, Map<String, Long> macros) {
        this.text = text.replaceAll("defined\\s*\\(\\s*(\\w+)\\s*\\)|defined\\s+(\\w+)", "defined_$1$2");
        this.macros = macros;
    }

    static boolean isTrue(String condition, Map<String, Long> macros) {
        return new ConditionEvaluator(condition, macros).or() != 0;
    }

    private long or() {
        long v = and();
        while (accept("||")) {
            long r = and();
            v = (v != 0 || r != 0) ? 1 : 0;
        }
        return v;
    }

    private long and() {
        long v = comparison();
        while (accept("&&")) {
            long r = comparison();
            v = (v != 0 && r != 0) ? 1 : 0;
        }
        return v;
    }

    private long comparison() {
        long v = unary();
        for (String op : new String[] {">=", "<=", "==", "!=", ">", "<"}) {
            if (accept(op)) {
                long r = unary();
                return switch (op) {
                    case ">=" -> v >= r ? 1 : 0;
                    case "<=" -> v <= r ? 1 : 0;
                    case "==" -> v == r ? 1 : 0;
                    case "!=" -> v != r ? 1 : 0;
                    case ">" -> v > r ? 1 : 0;
                    default -> v < r ? 1 : 0;
                };
            }
        }
        return v;
    }

    private long unary() {
        if (accept("!")) {
            return unary() == 0 ? 1 : 0;
        }
        if (accept("(")) {
            long v = or();
            accept(")");
            return v;
        }
        String token = next();
        if (Character.isDigit(token.charAt(0))) {
            return Long.parseLong(token.replaceAll("[uUlL]+$", ""));
        }
        if (token.startsWith("defined_")) {
            return macros.containsKey(token.substring(8)) ? 1 : 0;
        }
        return macros.getOrDefault(token, 0L);
    }

    private boolean accept(String token) {
        Matcher m = TOKEN.matcher(text).region(at, text.length());
        if (m.lookingAt() && m.group(1).equals(token)) {
            at = m.end();
            return true;
        }
        return false;
    }

    private String next() {
        Matcher m = TOKEN.matcher(text).region(at, text.length());
        if (!m.lookingAt()) {
            throw new IllegalArgumentException("cannot read the condition '" + text + "' at " + at);
        }
        at = m.end();
        return m.group(1);
    }
}
