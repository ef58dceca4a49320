package dev.overtune.train;

import dev.overtune.tensor.HostTensor;

/** Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} does it. */
public final class GradClip {
    private GradClip() {}

    /**
     * The L2 norm of all gradients together, accumulated in double: each chunk of {@link FlatChunks#CHUNK}
     * elements with four interleaved partial sums, the chunks then added in order, so the result does
     * not depend on the thread count.
     */
    public static double globalNorm(HostTensor flatGrads) {
        return globalNorm(flatGrads, FlatChunks.SEQUENTIAL);
    }

    static double globalNorm(HostTensor flatGrads, FlatChunks chunks) {
        long n = flatGrads.size();
        double[] partial = new double[FlatChunks.count(n)];
        chunks.forEach(n, (chunk, from, to) -> partial[chunk] = sumOfSquares(flatGrads, from, to), flatGrads.segment());
        double sum = 0;
        for (double p : partial) {
            sum += p;
        }
        return Math.sqrt(sum);
    }

    private static double sumOfSquares(HostTensor g, long from, long to) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        long i = from;
        for (; i + 3 < to; i += 4) {
            double g0 = g.getFloat(i);
            double g1 = g.getFloat(i + 1);
            double g2 = g.getFloat(i + 2);
            double g3 = g.getFloat(i + 3);
            s0 += g0 * g0;
            s1 += g1 * g1;
            s2 += g2 * g2;
            s3 += g3 * g3;
        }
        for (; i < to; i++) {
            double gi = g.getFloat(i);
            s0 += gi * gi;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The factor gradients of this global norm are scaled by (in float) when it is below 1. */
    public static double coefficient(double norm, double maxNorm) {
        return maxNorm / (norm + 1e-6);
    }

    /** Scales the gradients so their global norm is at most maxNorm; returns the norm before clipping. */
    public static double clip(HostTensor flatGrads, double maxNorm) {
        return clip(flatGrads, maxNorm, FlatChunks.SEQUENTIAL);
    }

    /** The same, with the chunks on the run's threads. */
    static double clip(HostTensor flatGrads, double maxNorm, FlatChunks chunks) {
        double norm = globalNorm(flatGrads, chunks);
        double coef = coefficient(norm, maxNorm);
        if (coef < 1.0) {
            float c = (float) coef;
            chunks.forEach(flatGrads.size(), (chunk, from, to) -> {
                for (long i = from; i < to; i++) {
                    flatGrads.setFloat(i, flatGrads.getFloat(i) * c);
                }
            }, flatGrads.segment());
        }
        return norm;
    }
}
