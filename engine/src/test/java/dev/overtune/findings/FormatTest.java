package dev.overtune.findings;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FormatTest {
    @Test
    void tokensReadWithThreeSignificantDigits() {
        assertEquals("0", Format.tokens(0));
        assertEquals("512", Format.tokens(512));
        assertEquals("1.54K", Format.tokens(1536));
        assertEquals("1M", Format.tokens(1_000_000));
        assertEquals("16.8M", Format.tokens(16_777_216));
        assertEquals("300B", Format.tokens(300e9));
        assertEquals("1T", Format.tokens(999_999_999_999.0));
        assertEquals("-", Format.tokens(Double.NaN));
    }

    @Test
    void settingsReadAsWritten() {
        assertEquals("0.003", Format.number(3e-3));
        assertEquals("0.0003", Format.number(3e-4));
        assertEquals("1", Format.number(1.0));
        assertEquals("+0.120", Format.delta(0.12));
        assertEquals("-", Format.loss(Double.NaN));
    }
}
