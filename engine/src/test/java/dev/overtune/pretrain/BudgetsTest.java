package dev.overtune.pretrain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BudgetsTest {
    @Test
    void parsesSuffixesDecimally() {
        assertEquals(8_000, TokenCount.parse("8K"));
        assertEquals(8_000, TokenCount.parse("8k"));
        assertEquals(1_500_000, TokenCount.parse("1.5M"));
        assertEquals(2_000_000_000L, TokenCount.parse("2B"));
        assertEquals(12_345, TokenCount.parse("12345"));
    }

    @Test
    void labelsAreShortAndExact() {
        assertEquals("1M", TokenCount.label(1_000_000));
        assertEquals("1500K", TokenCount.label(1_500_000));
        assertEquals("3B", TokenCount.label(3_000_000_000L));
        assertEquals("12345", TokenCount.label(12_345));
        for (long t : new long[] {1, 999, 1000, 1001, 2_500_000, 7_000_000_000L}) {
            assertEquals(t, TokenCount.parse(TokenCount.label(t)));
        }
    }

    @Test
    void namesCheckpointsByBudget() {
        Budgets b = Budgets.parse("1M,1.5M,4M");
        assertEquals(List.of(1_000_000L, 1_500_000L, 4_000_000L), b.tokens());
        assertEquals("tokens-1M", b.checkpointName(0));
        assertEquals("tokens-1500K", b.checkpointName(1));
        assertEquals("1M,1500K,4M", b.toString());
    }

    @Test
    void refusesNonIncreasingOrMalformedLists() {
        IllegalArgumentException down = assertThrows(IllegalArgumentException.class, () -> Budgets.parse("2M,1M"));
        assertTrue(down.getMessage().contains("1M follows 2M"), down.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Budgets.parse("1M,1M"));
        assertThrows(IllegalArgumentException.class, () -> Budgets.parse("1M,,2M"));
        assertThrows(IllegalArgumentException.class, () -> Budgets.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> Budgets.parse("1.0001K"));
        IllegalArgumentException junk = assertThrows(IllegalArgumentException.class, () -> Budgets.parse("lots"));
        assertTrue(junk.getMessage().contains("'lots'"), junk.getMessage());
    }
}
