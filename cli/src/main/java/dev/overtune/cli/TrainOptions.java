package dev.overtune.cli;

import dev.overtune.train.AdamW;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.TrainConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.math.BigDecimal;

/** The fine-tuning flags shared by {@code finetune} and {@code demo}. */
final class TrainOptions {
    @Option(names = "--steps", defaultValue = "60", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq-len", defaultValue = "64", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--lr", defaultValue = "3e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--min-lr", description = "Learning rate at the end of the cosine (default: --lr / 10, as pretrain).")
    Double minLr;

    @Option(names = "--warmup", description = "Linear warm-up steps (default: 5, or --steps if fewer).")
    Long warmup;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW decoupled weight decay on matrices (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "Global gradient-norm clip (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for data order and for random init of presets (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ThreadsOption threadsOption;

    TrainConfig toConfig() {
        Options.requirePositive("--steps", steps);
        Options.requirePositive("--batch", batch);
        Options.requirePositive("--seq-len", seqLen);
        Options.requirePositive("--lr", lr);
        double minLr = minLr();
        Options.requireNonNegative("--min-lr", minLr);
        long warmupSteps = warmup != null ? warmup : Math.min(5, steps);
        Options.requireNonNegative("--warmup", warmupSteps);
        Options.requireNonNegative("--weight-decay", weightDecay);
        Options.requirePositive("--clip", clip);
        if (minLr > lr) {
            throw new Options.FlagValueException("--min-lr (" + minLr + ") must not exceed --lr (" + lr + ")");
        }
        if (warmupSteps > steps) {
            throw new Options.FlagValueException("--warmup (" + warmupSteps + ") must not exceed --steps (" + steps + ")");
        }
        AdamW.Config d = AdamW.Config.defaults();
        return new TrainConfig(batch, seqLen, new LrSchedule(lr, minLr, warmupSteps, steps),
                new AdamW.Config(d.beta1(), d.beta2(), d.eps(), weightDecay), clip);
    }

    /** --min-lr, or --lr / 10 in decimal (so 3e-3 gives 3.0E-4, not 3.0000000000000003E-4). */
    double minLr() {
        return minLr != null ? minLr : BigDecimal.valueOf(lr).movePointLeft(1).doubleValue();
    }

    int threads() {
        return threadsOption.resolve();
    }
}
