package dev.overtune.train;

import dev.overtune.backend.HostTensor;

/** Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} does it. */
public final class GradClip {
    private GradClip() {}

    /** The L2 norm of all gradients together, accumulated in double. */
    public static double globalNorm(HostTensor flatGrads) {
        double sum = 0;
        long n = flatGrads.size();
        for (long i = 0; i < n; i++) {
            double g = flatGrads.getFloat(i);
            sum += g * g;
        }
        return Math.sqrt(sum);
    }

    /** The factor gradients of this global norm are scaled by (in float) when it is below 1. */
    public static double coefficient(double norm, double maxNorm) {
        return maxNorm / (norm + 1e-6);
    }

    /** Scales the gradients so their global norm is at most maxNorm; returns the norm before clipping. */
    public static double clip(HostTensor flatGrads, double maxNorm) {
        double norm = globalNorm(flatGrads);
        double coef = coefficient(norm, maxNorm);
        if (coef < 1.0) {
            float c = (float) coef;
            long n = flatGrads.size();
            for (long i = 0; i < n; i++) {
                flatGrads.setFloat(i, flatGrads.getFloat(i) * c);
            }
        }
        return norm;
    }
}
