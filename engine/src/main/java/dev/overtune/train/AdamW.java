package dev.overtune.train;

import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import dev.overtune.tensor.HostTensor;

import java.lang.foreign.Arena;
import java.util.List;

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

    /**
     * One step over every parameter. Each element's update depends on that element alone, so the flat
     * block is split into chunks, run in parallel by the overload a trainer uses (where the stores'
     * arenas allow), with the same result.
     */
    public void update(ParamStore params, ParamStore grads, double lr) {
        update(params, grads, lr, FlatChunks.SEQUENTIAL);
    }

    /** The same, with the chunks on the run's threads. */
    void update(ParamStore params, ParamStore grads, double lr, FlatChunks chunks) {
        step++;
        double b1 = config.beta1();
        double b2 = config.beta2();
        float fb1 = (float) b1;
        float fb2 = (float) b2;
        float oneMinusB1 = (float) (1 - b1);
        float oneMinusB2 = (float) (1 - b2);
        float fStep = (float) (lr / (1 - Math.pow(b1, step)));
        float fCorr = (float) Math.sqrt(1 - Math.pow(b2, step));
        float fEps = (float) config.eps();
        float matrixDecay = (float) (1 - lr * config.weightDecay());
        List<ParamSpec> specs = params.specs();
        long[] starts = new long[specs.size() + 1];
        float[] decay = new float[specs.size()];
        for (int s = 0; s < specs.size(); s++) {
            starts[s + 1] = starts[s] + specs.get(s).shape().size();
            decay[s] = specs.get(s).decays() ? matrixDecay : 1.0f;
        }
        HostTensor p = params.flat();
        HostTensor g = grads.flat();
        HostTensor mt = m.flat();
        HostTensor vt = v.flat();
        chunks.forEach(p.size(), (chunk, from, to) -> {
            for (int s = spec(starts, from); s < decay.length && starts[s] < to; s++) {
                long lo = Math.max(from, starts[s]);
                long hi = Math.min(to, starts[s + 1]);
                update(p, g, mt, vt, lo, hi, decay[s], fb1, fb2, oneMinusB1, oneMinusB2, fStep, fCorr, fEps);
            }
        }, p.segment(), g.segment(), mt.segment(), vt.segment());
    }

    private static void update(HostTensor p, HostTensor g, HostTensor mt, HostTensor vt, long from, long to, float decay,
                               float fb1, float fb2, float oneMinusB1, float oneMinusB2, float fStep, float fCorr, float fEps) {
        for (long i = from; i < to; i++) {
            float gi = g.getFloat(i);
            float mi = fb1 * mt.getFloat(i) + oneMinusB1 * gi;
            float vi = fb2 * vt.getFloat(i) + oneMinusB2 * gi * gi;
            mt.setFloat(i, mi);
            vt.setFloat(i, vi);
            float denom = (float) Math.sqrt(vi) / fCorr + fEps;
            p.setFloat(i, p.getFloat(i) * decay - fStep * mi / denom);
        }
    }

    /** The index of the parameter whose flat range holds element i. */
    private static int spec(long[] starts, long i) {
        int found = java.util.Arrays.binarySearch(starts, i);
        int s = found >= 0 ? found : -found - 2;
        while (starts[s + 1] <= i) {
            s++;
        }
        return s;
    }
}
