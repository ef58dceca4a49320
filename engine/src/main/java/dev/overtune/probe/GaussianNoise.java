package dev.overtune.probe;

import dev.overtune.tensor.HostTensor;

/**
 * Standard normal numbers addressed by (seed, stream, parameter, element): Philox4x32-10 gives four
 * 32-bit words per counter block, turned into four normals by Box–Muller. Element e of a parameter
 * uses block e/4, so any element can be drawn alone, by any thread, on any backend.
 */
public final class GaussianNoise {
    private static final double INV_2_32 = 1.0 / 4294967296.0;

    private final int k0;
    private final int k1;
    private final int stream;

    /** stream separates independent draws under one seed (e.g. noise sample k of scale γ). */
    public GaussianNoise(long seed, int stream) {
        this.k0 = (int) seed;
        this.k1 = (int) (seed >>> 32);
        this.stream = stream;
    }

    /** Writes normals for elements [from, from + out.length) of the given parameter. */
    public void fill(int parameter, long from, double[] out) {
        int[] words = new int[4];
        double[] four = new double[4];
        long e = from;
        int i = 0;
        while (i < out.length) {
            long block = e >>> 2;
            Philox.block((int) block, (int) (block >>> 32), parameter, stream, k0, k1, words);
            boxMuller(words[0], words[1], four, 0);
            boxMuller(words[2], words[3], four, 2);
            for (int lane = (int) (e & 3); lane < 4 && i < out.length; lane++, i++, e++) {
                out[i] = four[lane];
            }
        }
    }

    /**
     * dst[e] = (float) (src[e] + sigma · z[e]) for e in [from, from + length): the noise probe's inner loop,
     * drawing each counter block once and writing straight through, with no buffer of normals.
     */
    public void addScaled(int parameter, HostTensor src, HostTensor dst, long from, long length, double sigma) {
        int[] words = new int[4];
        double[] four = new double[4];
        long end = from + length;
        long e = from;
        while (e < end) {
            long block = e >>> 2;
            Philox.block((int) block, (int) (block >>> 32), parameter, stream, k0, k1, words);
            boxMuller(words[0], words[1], four, 0);
            boxMuller(words[2], words[3], four, 2);
            long stop = Math.min(end, (block + 1) << 2);
            for (int lane = (int) (e & 3); e < stop; lane++, e++) {
                dst.setFloat(e, (float) (src.getFloat(e) + sigma * four[lane]));
            }
        }
    }

    public double at(int parameter, long element) {
        double[] one = new double[1];
        fill(parameter, element, one);
        return one[0];
    }

    /**
     * One Box–Muller pair from two Philox words, with the logarithm, sine and cosine written out in
     * +, −, ×, ÷ and √ alone (all correctly rounded in Java and, through the _rn intrinsics, in CUDA), in
     * the order philox.cuh uses, so the GPU draws the same bits. The polynomials are short and evaluated
     * in Estrin's scheme: within 1e-13 of libm (9.1e-14 at worst over 2M random pairs; GaussianNoiseTest
     * bounds it at 1e-12), far below what a float weight can hold.
     */
    static void boxMuller(int a, int b, double[] out, int at) {
        // (a + 0.5) / 2^32 lies strictly inside (0, 1), so the log is finite.
        double u1 = ((a & 0xFFFFFFFFL) + 0.5) * INV_2_32;
        double r = Math.sqrt(-2.0 * logUnit(u1));
        // θ = 2π (b + 0.5) / 2^32 = (π/2)(q + f), q the nearest quadrant, |f| ≤ 1/2: exact integer arithmetic.
        long w = b & 0xFFFFFFFFL;
        long q = (w + (1L << 29)) >>> 30;
        double x = (((w - (q << 30)) + 0.5) * INV_2_30) * HALF_PI;
        double z = x * x;
        double z2 = z * z;
        double z4 = z2 * z2;
        // sin(x)/x and cos(x) for |x| ≤ π/4, Taylor to x¹² and x¹⁴ (next terms below 3e-14 and 2e-15).
        double sinOverX = ((1.0 + z * S3) + z2 * (S5 + z * S7)) + z4 * ((S9 + z * S11) + z2 * S13);
        double cos = ((1.0 + z * C2) + z2 * (C4 + z * C6)) + z4 * ((C8 + z * C10) + z2 * (C12 + z * C14));
        double sin = x * sinOverX;
        switch ((int) (q & 3)) {
            case 0 -> { out[at] = r * cos; out[at + 1] = r * sin; }
            case 1 -> { out[at] = r * -sin; out[at + 1] = r * cos; }
            case 2 -> { out[at] = r * -cos; out[at + 1] = r * -sin; }
            default -> { out[at] = r * sin; out[at + 1] = r * -cos; }
        }
    }

    private static final double INV_2_30 = 0x1p-30;
    private static final double HALF_PI = 0x1.921fb54442d18p+0;
    private static final double SQRT_2 = 0x1.6a09e667f3bcdp+0;
    private static final double LN_2 = 0x1.62e42fefa39efp-1;
    // 1/(2k+1) for the logarithm's atanh series.
    private static final double L3 = 0x1.5555555555555p-2;
    private static final double L5 = 0x1.999999999999ap-3;
    private static final double L7 = 0x1.2492492492492p-3;
    private static final double L9 = 0x1.c71c71c71c71cp-4;
    private static final double L11 = 0x1.745d1745d1746p-4;
    private static final double L13 = 0x1.3b13b13b13b14p-4;
    private static final double L15 = 0x1.1111111111111p-4;
    private static final double L17 = 0x1.e1e1e1e1e1e1ep-5;
    private static final double L19 = 0x1.af286bca1af28p-5;
    // ±1/n! for the sine and cosine series.
    private static final double S3 = -0x1.5555555555555p-3;
    private static final double S5 = 0x1.1111111111111p-7;
    private static final double S7 = -0x1.a01a01a01a01ap-13;
    private static final double S9 = 0x1.71de3a556c734p-19;
    private static final double S11 = -0x1.ae64567f544e4p-26;
    private static final double S13 = 0x1.6124613a86d09p-33;
    private static final double C2 = -0.5;
    private static final double C4 = 0x1.5555555555555p-5;
    private static final double C6 = -0x1.6c16c16c16c17p-10;
    private static final double C8 = 0x1.a01a01a01a01ap-16;
    private static final double C10 = -0x1.27e4fb7789f5cp-22;
    private static final double C12 = 0x1.1eed8eff8d898p-29;
    private static final double C14 = -0x1.93974a8c07c9dp-37;

    /**
     * ln(u) for normal u > 0: u = m·2^e with m in [√½, √2), ln m = 2 atanh(s), s = (m−1)/(m+1), |s| < 0.172,
     * the series to s¹⁹ (next term below 1e-16 of the sum).
     */
    static double logUnit(double u) {
        long bits = Double.doubleToRawLongBits(u);
        long e = ((bits >>> 52) & 0x7FF) - 1023;
        double m = Double.longBitsToDouble((bits & 0xFFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (m > SQRT_2) {
            m = m * 0.5;
            e = e + 1;
        }
        double s = (m - 1.0) / (m + 1.0);
        double z = s * s;
        double z2 = z * z;
        double z4 = z2 * z2;
        double z8 = z4 * z4;
        double p = (((1.0 + z * L3) + z2 * (L5 + z * L7)) + z4 * ((L9 + z * L11) + z2 * (L13 + z * L15))) + z8 * (L17 + z * L19);
        return (double) e * LN_2 + (2.0 * s) * p;
    }
}
