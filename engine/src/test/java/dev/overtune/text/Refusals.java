package dev.overtune.text;

import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Asserts that bad input is refused with one line that mentions what it should. */
public final class Refusals {
    private Refusals() {}

    public static String refused(Executable action, String... mentions) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action);
        String message = e.getMessage();
        assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
        for (String m : mentions) {
            assertTrue(message.contains(m), "expected '" + m + "' in: " + message);
        }
        return message;
    }
}
