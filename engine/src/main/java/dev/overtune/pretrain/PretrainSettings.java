package dev.overtune.pretrain;

import dev.overtune.model.LanguageModel;
import dev.overtune.train.AdamW;

/**
 * Everything that decides a series' weights besides the model and the data. Messages name the
 * {@code overtune pretrain} flag that sets each value.
 *
 * @param warmupSteps null for the default, a tenth of the smallest budget's steps
 * @param decayFraction for wsd: the share of each budget's steps spent decaying to the minimum
 */
public record PretrainSettings(Budgets budgets, ScheduleKind schedule, int batchSize, int seqLen, double lr, double minLr,
                               Long warmupSteps, double decayFraction, AdamW.Config adam, double clipNorm, long seed) {
    public PretrainSettings {
        require(batchSize > 0, "--batch must be positive, got " + batchSize);
        require(seqLen > 0, "--seq-len must be positive, got " + seqLen);
        require(lr > 0 && Double.isFinite(lr), "--lr must be positive, got " + lr);
        require(minLr >= 0 && minLr <= lr, "--min-lr (" + minLr + ") must be between 0 and --lr (" + lr + ")");
        require(warmupSteps == null || warmupSteps >= 0, "--warmup must be zero or more, got " + warmupSteps);
        require(decayFraction > 0 && decayFraction < 1, "--decay-fraction must be between 0 and 1 (exclusive), got " + decayFraction);
        require(adam.weightDecay() >= 0, "--weight-decay must be zero or more, got " + adam.weightDecay());
        require(clipNorm > 0, "--clip must be positive, got " + clipNorm);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Refuses sequences longer than the model's context. */
    public void requireFits(LanguageModel model) {
        require(seqLen <= model.contextLength(), "--seq-len " + seqLen + " exceeds the model's context of " + model.contextLength());
    }

    public long tokensPerStep() {
        return (long) batchSize * seqLen;
    }
}
