package dev.overtune.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmupStableDecayTest {
    static final double EPS = 1e-15;

    @Test
    void warmsUpHoldsThenDecaysLinearlyOntoTheFloor() {
        // peak 1, floor 0.1, warm-up 4, stable until 10, decay over steps 10..14.
        WarmupStableDecay s = new WarmupStableDecay(1.0, 0.1, 4, 10, 15);
        assertEquals(0.25, s.at(0), EPS);
        assertEquals(0.75, s.at(2), EPS);
        assertEquals(1.0, s.at(3), EPS);
        assertEquals(1.0, s.at(4), EPS);
        assertEquals(1.0, s.at(9), EPS);
        assertEquals(1.0 - 0.9 * 1 / 5, s.at(10), EPS);
        assertEquals(1.0 - 0.9 * 3 / 5, s.at(12), EPS);
        assertEquals(0.1, s.at(14), EPS);
        assertEquals(0.1, s.at(100), EPS);
        assertEquals(5, s.decaySteps());
    }

    @Test
    void decayIsMonotone() {
        WarmupStableDecay s = new WarmupStableDecay(3e-3, 3e-4, 10, 800, 1000);
        for (long i = 10; i < 999; i++) {
            assertTrue(s.at(i + 1) <= s.at(i), "rate rose at step " + i);
        }
        assertEquals(3e-4, s.at(999), EPS);
    }

    @Test
    void noDecayMeansConstantAfterWarmup() {
        WarmupStableDecay s = new WarmupStableDecay(2.0, 0.0, 0, 5, 5);
        assertEquals(2.0, s.at(0), EPS);
        assertEquals(2.0, s.at(4), EPS);
    }

    @Test
    void lrScheduleIsASchedule() {
        Schedule s = new LrSchedule(1.0, 0.0, 2, 10);
        assertEquals(0.5, s.at(0), EPS);
        assertEquals(1.0, s.at(2), EPS);
        assertEquals(0.5, s.at(6), EPS); // cosine half-way through the 8 decay steps
        assertEquals(0.0, s.at(10), EPS);
        assertEquals(10, s.totalSteps());
    }

    @Test
    void rejectsWarmupPastTheDecay() {
        assertThrows(IllegalArgumentException.class, () -> new WarmupStableDecay(1, 0.1, 6, 5, 10));
        assertThrows(IllegalArgumentException.class, () -> new WarmupStableDecay(1, 0.1, 0, 11, 10));
        assertThrows(IllegalArgumentException.class, () -> new WarmupStableDecay(1, 2, 0, 5, 10));
    }
}
