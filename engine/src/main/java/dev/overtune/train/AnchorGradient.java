package dev.overtune.train;

import dev.overtune.tensor.HostTensor;

/** The gradient of {@code strength/2 ‖θ - anchor‖²}, added to the gradients in float as the CPU path computes it. */
public final class AnchorGradient {
    private AnchorGradient() {}

    /** {@code grads[i] += strength * (params[i] - anchor[i])} over flat blocks of equal size. */
    public static void add(HostTensor grads, HostTensor params, HostTensor anchor, float strength) {
        for (long i = 0; i < grads.size(); i++) {
            grads.setFloat(i, grads.getFloat(i) + strength * (params.getFloat(i) - anchor.getFloat(i)));
        }
    }
}
