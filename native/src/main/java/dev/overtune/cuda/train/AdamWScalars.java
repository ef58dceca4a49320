package dev.overtune.cuda.train;

import dev.overtune.cuda.KernelArgs;
import dev.overtune.train.AdamW;

/**
 * The per-step scalars of the {@code overtune_adamw} kernel, derived on the host exactly as
 * {@link AdamW#update} derives them (double arithmetic, then rounded to float), so the kernel's
 * float update matches the CPU optimizer bit for bit.
 */
public record AdamWScalars(float beta1, float beta2, float oneMinusBeta1, float oneMinusBeta2,
                           float stepSize, float correction, float eps, float decay) {

    /** Scalars for update number step (1-based) at learning rate lr, for a parameter that decays or not. */
    public static AdamWScalars of(AdamW.Config config, double lr, long step, boolean decays) {
        if (step < 1) {
            throw new IllegalArgumentException("AdamW steps count from 1, got " + step);
        }
        double b1 = config.beta1();
        double b2 = config.beta2();
        return new AdamWScalars((float) b1, (float) b2, (float) (1 - b1), (float) (1 - b2),
                (float) (lr / (1 - Math.pow(b1, step))), (float) Math.sqrt(1 - Math.pow(b2, step)), (float) config.eps(),
                (float) (decays ? 1 - lr * config.weightDecay() : 1.0));
    }

    /** Appends the scalars to a launch of overtune_adamw, in the kernel's parameter order. */
    public KernelArgs appendTo(KernelArgs args) {
        return args.f32(beta1).f32(beta2).f32(oneMinusBeta1).f32(oneMinusBeta2).f32(stepSize).f32(correction).f32(eps).f32(decay);
    }
}
