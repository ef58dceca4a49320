package dev.overtune.probe;

/**
 * Standard normal numbers addressed by (seed, stream, parameter, element): Philox4x32-10 gives four
 * 32-bit words per counter block, turned into four normals by Box–Muller. Element e of a parameter
 * uses block e/4, so any element can be drawn alone, by any thread, on any backend.
 */
public final class GaussianNoise {
    private static final double TWO_PI = 2 * Math.PI;
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

    public double at(int parameter, long element) {
        double[] one = new double[1];
        fill(parameter, element, one);
        return one[0];
    }

    private static void boxMuller(int a, int b, double[] out, int at) {
        // (x + 0.5) / 2^32 lies strictly inside (0, 1), so the log is finite.
        double u1 = ((a & 0xFFFFFFFFL) + 0.5) * INV_2_32;
        double u2 = ((b & 0xFFFFFFFFL) + 0.5) * INV_2_32;
        double r = Math.sqrt(-2.0 * Math.log(u1));
        out[at] = r * Math.cos(TWO_PI * u2);
        out[at + 1] = r * Math.sin(TWO_PI * u2);
    }
}
