package dev.overtune.train;

import dev.overtune.backend.HostTensor;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;

import java.lang.foreign.Arena;

/**
 * AdamW with decoupled weight decay and bias correction, in the same order of operations as
 * {@code torch.optim.AdamW}: decay, moments, then the bias-corrected step. Weight decay applies only
 * to parameters whose spec {@link ParamSpec#decays()}. Moments live off-heap beside the parameters.
 */
public final class AdamW {
    public record Config(double beta1, double beta2, double eps, double weightDecay) {
        public static Config defaults() {
            return new Config(0.9, 0.95, 1e-8, 0.1);
        }
    }

    private Config config;
    private final ParamStore m;
    private final ParamStore v;
    private long step;

    public AdamW(Arena arena, ParamStore params, Config config) {
        this.config = config;
        this.m = ParamStore.allocate(arena, params.specs());
        this.v = ParamStore.allocate(arena, params.specs());
    }

    public Config config() {
        return config;
    }

    /** Completed updates so far. */
    public long step() {
        return step;
    }

    public ParamStore firstMoment() {
        return m;
    }

    public ParamStore secondMoment() {
        return v;
    }

    /** Forgets all state and takes new settings, reusing the moment buffers. */
    public void reset(Config next) {
        this.config = next;
        reset();
    }

    /** Forgets all state: zero moments, step 0. */
    public void reset() {
        step = 0;
        m.flat().segment().fill((byte) 0);
        v.flat().segment().fill((byte) 0);
    }

    /** Restores state saved by a checkpoint. */
    public void restore(long completedSteps, ParamStore firstMoment, ParamStore secondMoment) {
        this.step = completedSteps;
        m.copyFrom(firstMoment);
        v.copyFrom(secondMoment);
    }

    /**
     * Counts an update applied elsewhere (by a device state with these settings) and returns its
     * 1-based number, which the bias corrections need.
     */
    public long countUpdate() {
        return ++step;
    }

    public void update(ParamStore params, ParamStore grads, double lr) {
        step++;
        double b1 = config.beta1();
        double b2 = config.beta2();
        double stepSize = lr / (1 - Math.pow(b1, step));
        double secondCorrection = Math.sqrt(1 - Math.pow(b2, step));
        for (ParamSpec spec : params.specs()) {
            HostTensor p = params.tensor(spec.name());
            HostTensor g = grads.tensor(spec.name());
            HostTensor mt = m.tensor(spec.name());
            HostTensor vt = v.tensor(spec.name());
            float decay = (float) (spec.decays() ? 1 - lr * config.weightDecay() : 1.0);
            float fb1 = (float) b1;
            float fb2 = (float) b2;
            float oneMinusB1 = (float) (1 - b1);
            float oneMinusB2 = (float) (1 - b2);
            float fStep = (float) stepSize;
            float fCorr = (float) secondCorrection;
            float fEps = (float) config.eps();
            long n = p.size();
            for (long i = 0; i < n; i++) {
                float gi = g.getFloat(i);
                float mi = fb1 * mt.getFloat(i) + oneMinusB1 * gi;
                float vi = fb2 * vt.getFloat(i) + oneMinusB2 * gi * gi;
                mt.setFloat(i, mi);
                vt.setFloat(i, vi);
                float denom = (float) Math.sqrt(vi) / fCorr + fEps;
                p.setFloat(i, p.getFloat(i) * decay - fStep * mi / denom);
            }
        }
    }
}
