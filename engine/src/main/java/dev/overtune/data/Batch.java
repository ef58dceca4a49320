package dev.overtune.data;

import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;

import java.lang.foreign.Arena;
import java.util.Map;

/** The input buffers of one step, [batch, seq] each, filled in place before every run. */
public record Batch(HostTensor inputIds, HostTensor targets, HostTensor lossMask) {
    public static Batch allocate(Arena arena, int batch, int seq) {
        Shape s = Shape.of(batch, seq);
        return new Batch(HostTensor.allocate(arena, DType.I64, s), HostTensor.allocate(arena, DType.I64, s),
                HostTensor.allocate(arena, DType.F32, s));
    }

    public int batchSize() {
        return inputIds.shape().dim(0);
    }

    public int seqLen() {
        return inputIds.shape().dim(1);
    }

    /** The number of positions that count towards the loss. */
    public long scoredTokens() {
        long n = 0;
        for (long i = 0; i < lossMask.size(); i++) {
            if (lossMask.getFloat(i) > 0 && targets.getLong(i) != TrainingGraphs.IGNORE_INDEX) {
                n++;
            }
        }
        return n;
    }

    public Map<String, HostTensor> asInputs() {
        return Map.of(TrainingGraphs.INPUT_IDS, inputIds, TrainingGraphs.TARGETS, targets, TrainingGraphs.LOSS_MASK, lossMask);
    }
}
