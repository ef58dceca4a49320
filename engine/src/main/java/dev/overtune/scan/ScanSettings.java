package dev.overtune.scan;

import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.ProbeBench;
import dev.overtune.probe.Quantization;
import dev.overtune.train.AdamW;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.TrainConfig;

import java.util.List;

/**
 * Everything that decides what a scan measures, besides the checkpoints. The parts that change the
 * meaning of a unit's numbers (not merely which units exist) make up the plan's compatibility key.
 */
public record ScanSettings(Eval eval, FineTune fineTune, Noise noise, Quant quant, int threads) {
    /**
     * How every evaluation is done: window shape and at most how many batches of each set, or {@link #ALL}:
     * the whole validation and test splits and the held-out text as {@code pretrain} evaluates it.
     */
    public record Eval(int batchSize, int seqLen, int maxBatches) {
        /** No cap on the batches evaluated. */
        public static final int ALL = 0;

        public Eval {
            positive("eval batch size", batchSize);
            positive("eval sequence length", seqLen);
            if (maxBatches < 0) {
                throw new IllegalArgumentException("eval batches must be positive (or 0 for all), got " + maxBatches);
            }
        }

        public boolean all() {
            return maxBatches == ALL;
        }
    }

    /** The fine-tuning probe: a learning-rate grid × seeds, each a fixed number of steps. */
    public record FineTune(List<Double> learningRates, List<Long> seeds, long steps, int batchSize, int seqLen,
                           long warmupSteps, double weightDecay, double l2ToInit) implements ProbeBench.FineTuneProtocol {
        public FineTune {
            learningRates = distinct("learning rates", learningRates);
            seeds = distinct("seeds", seeds);
            for (double lr : learningRates) {
                if (!(lr > 0)) {
                    throw new IllegalArgumentException("fine-tune learning rates must be positive, got " + lr);
                }
            }
            positive("fine-tune steps", steps);
            positive("fine-tune batch size", batchSize);
            positive("fine-tune sequence length", seqLen);
            if (warmupSteps < 0 || warmupSteps > steps || weightDecay < 0 || l2ToInit < 0) {
                throw new IllegalArgumentException("fine-tune needs 0 <= warmup <= steps, weight decay >= 0, l2-to-init >= 0");
            }
        }

        /** AdamW with this protocol's weight decay; the rate warms up, then decays to a tenth of {@code lr}. */
        @Override
        public TrainConfig trainConfig(double lr) {
            AdamW.Config d = AdamW.Config.defaults();
            return new TrainConfig(batchSize, seqLen, new LrSchedule(lr, lr / 10, warmupSteps, steps),
                    new AdamW.Config(d.beta1(), d.beta2(), d.eps(), weightDecay), 1.0);
        }
    }

    /** The noise probe: scales γ × K samples. */
    public record Noise(NoiseScale scale, List<Double> gammas, int samples, long seed) {
        public Noise {
            gammas = distinct("noise scales", gammas);
            for (double g : gammas) {
                if (!(g > 0)) {
                    throw new IllegalArgumentException("noise scales must be positive, got " + g);
                }
            }
            positive("noise samples", samples);
        }
    }

    public record Quant(List<Quantization> formats) {
        public Quant {
            formats = distinct("quantisation formats", formats);
        }
    }

    public ScanSettings {
        positive("threads", threads);
    }

    /** The settings that give a unit's numbers their meaning: two plans that differ here must not share a store. */
    public String compatibilityKey() {
        return "eval=" + eval + ";finetune=steps:" + fineTune.steps() + ",batch:" + fineTune.batchSize() + ",seq:" + fineTune.seqLen()
                + ",warmup:" + fineTune.warmupSteps() + ",wd:" + fineTune.weightDecay() + ",l2:" + fineTune.l2ToInit();
    }

    /** A grid listing a value twice would plan two units with one id; refuse it by name. */
    static <T> List<T> distinct(String what, List<T> values) {
        java.util.Set<T> seen = new java.util.HashSet<>();
        for (T v : values) {
            if (!seen.add(v)) {
                throw new IllegalArgumentException("the " + what + " list " + v + " twice; give each value once");
            }
        }
        return List.copyOf(values);
    }

    private static void positive(String what, double v) {
        if (!(v > 0)) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
    }
}
