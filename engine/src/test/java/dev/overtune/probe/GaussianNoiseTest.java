package dev.overtune.probe;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The normals come from Box–Muller with the logarithm, sine and cosine written as polynomials (so that
 * CUDA draws the same bits): they must agree with the libm formula to far below float precision, in
 * every quadrant and at the ends of (0, 1). (PerturbationsTest checks that they look standard normal.)
 */
class GaussianNoiseTest {
    private static double[] libm(int a, int b) {
        double u1 = ((a & 0xFFFFFFFFL) + 0.5) / 4294967296.0;
        double u2 = ((b & 0xFFFFFFFFL) + 0.5) / 4294967296.0;
        double r = Math.sqrt(-2 * Math.log(u1));
        return new double[] {r * Math.cos(2 * Math.PI * u2), r * Math.sin(2 * Math.PI * u2)};
    }

    @Test
    void boxMullerAgreesWithLibmEverywhere() {
        SplittableRandom random = new SplittableRandom(5);
        int[] edges = {0, 1, 0x3FFFFFFF, 0x40000000, 0x7FFFFFFF, 0x80000000, 0xBFFFFFFF, 0xC0000000, 0xFFFFFFFE, 0xFFFFFFFF};
        double[] pair = new double[2];
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            int a = i < edges.length * edges.length ? edges[i / edges.length] : random.nextInt();
            int b = i < edges.length * edges.length ? edges[i % edges.length] : random.nextInt();
            GaussianNoise.boxMuller(a, b, pair, 0);
            double[] want = libm(a, b);
            worst = Math.max(worst, Math.max(Math.abs(pair[0] - want[0]), Math.abs(pair[1] - want[1])));
        }
        assertTrue(worst < 1e-12, "worst difference from libm " + worst);
    }

    @Test
    void logarithmIsAccurateAcrossBinades() {
        SplittableRandom random = new SplittableRandom(6);
        for (int i = 0; i < 100_000; i++) {
            double u = Math.scalb(0.5 + 0.5 * random.nextDouble(), -random.nextInt(40));
            double want = Math.log(u);
            assertEquals(want, GaussianNoise.logUnit(u), 1e-14 * Math.max(1, Math.abs(want)), "log " + u);
        }
    }
}
