package dev.overtune.analysis;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HolmTest {
    @Test
    void stepDownByHand() {
        // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → kept non-decreasing: 0.06.
        double[] adjusted = Holm.adjust(new double[] {0.01, 0.04, 0.03, 0.005});
        assertArrayEquals(new double[] {0.03, 0.06, 0.06, 0.02}, adjusted, 1e-12);
    }

    @Test
    void missingTestsDoNotCountAndLargeValuesCapAtOne() {
        double[] adjusted = Holm.adjust(new double[] {0.02, Double.NaN, 0.6});
        assertEquals(0.04, adjusted[0], 1e-12, "two tests, not three");
        assertTrue(Double.isNaN(adjusted[1]));
        assertEquals(0.6, adjusted[2], 1e-12);
        assertEquals(1.0, Holm.adjust(new double[] {0.7, 0.8})[0], 1e-12);
    }
}
