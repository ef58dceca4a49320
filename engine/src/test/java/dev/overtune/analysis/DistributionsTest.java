package dev.overtune.analysis;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistributionsTest {
    @Test
    void tQuantilesMatchPublishedTables() {
        assertEquals(12.7062, Distributions.tQuantile(0.975, 1), 1e-4);
        assertEquals(4.3027, Distributions.tQuantile(0.975, 2), 1e-4);
        assertEquals(2.0423, Distributions.tQuantile(0.975, 30), 1e-4);
        assertEquals(1.9840, Distributions.tQuantile(0.975, 100), 1e-4);
        assertEquals(63.6567, Distributions.tQuantile(0.995, 1), 1e-3);
        assertEquals(3.1824, Distributions.tQuantile(0.975, 3), 1e-4);
        assertEquals(-2.7764, Distributions.tQuantile(0.025, 4), 1e-4, "symmetric");
        double between = Distributions.tQuantile(0.975, 2.5);
        assertTrue(between < 4.3027 && between > 3.1824, "a fractional df lies between its neighbours: " + between);
    }

    @Test
    void normalQuantileAndCdf() {
        assertEquals(1.959964, Distributions.normalQuantile(0.975), 1e-6);
        assertEquals(-2.326348, Distributions.normalQuantile(0.01), 1e-6);
        assertEquals(0.5, Distributions.normalCdf(0), 1e-15);
        assertEquals(0.841345, Distributions.normalCdf(1), 1e-6);
        assertEquals(1.959964, Distributions.tQuantile(0.975, Double.POSITIVE_INFINITY), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Distributions.normalQuantile(1.0));
    }

    @Test
    void tCdfInvertsTheQuantile() {
        for (double df : new double[] {1, 2.5, 7, 40}) {
            for (double p : new double[] {0.01, 0.3, 0.9, 0.999}) {
                assertEquals(p, Distributions.tCdf(Distributions.tQuantile(p, df), df), 1e-10, "df " + df + ", p " + p);
            }
        }
        // t with 1 df is Cauchy: F(1) = 3/4.
        assertEquals(0.75, Distributions.tCdf(1, 1), 1e-12);
    }
}
