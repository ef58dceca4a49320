package dev.overtune.train;

import dev.overtune.backend.Backend;
import dev.overtune.backend.HostParameters;
import dev.overtune.backend.Parameters;
import dev.overtune.data.Batch;
import dev.overtune.data.BatchSource;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;

/** Forward-only evaluation: loss and per-token log-likelihoods over batches, parameters read in place. */
public final class Evaluator implements AutoCloseable {
    /** Mean loss over all scored tokens of everything evaluated. */
    public record Result(double meanLoss, long tokens) {
        public double perplexity() {
            return Math.exp(meanLoss);
        }
    }

    private final Batch batch;
    private final HostTensor nllSum;
    private final HostTensor weightSum;
    private final HostTensor tokenLogprobs;
    private final HostTensor logits;
    private final Backend.Program program;
    private final Backend.Binding binding;

    public Evaluator(Backend backend, LanguageModel model, ParamStore params, int batchSize, int seqLen, Arena arena) {
        this(backend, model, params, batchSize, seqLen, arena, false);
    }

    /** keepLogits: also copy out the [batch, seq, vocab] logits each run (tests and tools that read them). */
    public Evaluator(Backend backend, LanguageModel model, ParamStore params, int batchSize, int seqLen, Arena arena, boolean keepLogits) {
        this(backend, model, new HostParameters(params), batchSize, seqLen, arena, keepLogits);
    }

    /**
     * Evaluates the backend's parameters where they live (on a GPU: read in place, nothing uploaded per run),
     * whatever training or perturbation last wrote there.
     */
    public Evaluator(Backend backend, LanguageModel model, Parameters params, int batchSize, int seqLen, Arena arena) {
        this(backend, model, params, batchSize, seqLen, arena, false);
    }

    private Evaluator(Backend backend, LanguageModel model, Parameters params, int batchSize, int seqLen, Arena arena, boolean keepLogits) {
        this.batch = Batch.allocate(arena, batchSize, seqLen);
        this.nllSum = HostTensor.allocate(arena, DType.F32, Shape.scalar());
        this.weightSum = HostTensor.allocate(arena, DType.F32, Shape.scalar());
        this.tokenLogprobs = HostTensor.allocate(arena, DType.F32, Shape.of(batchSize, seqLen));
        this.logits = keepLogits ? HostTensor.allocate(arena, DType.F32, Shape.of(batchSize, seqLen, model.vocabSize())) : null;
        this.program = backend.compile(TrainingGraphs.eval(model, batchSize, seqLen));
        Map<String, HostTensor> inputs = new HashMap<>(batch.asInputs());
        Map<String, HostTensor> outputs = new HashMap<>(Map.of(
                TrainingGraphs.NLL_SUM, nllSum, TrainingGraphs.WEIGHT_SUM, weightSum, TrainingGraphs.TOKEN_LOGPROBS, tokenLogprobs));
        if (keepLogits) {
            outputs.put(TrainingGraphs.LOGITS, logits);
        }
        try {
            this.binding = program.bind(params, inputs, outputs);
        } catch (RuntimeException e) {
            program.close();
            throw e;
        }
    }

    public Batch batch() {
        return batch;
    }

    /** Runs the current batch; the sums and per-token outputs are then readable. */
    public void run() {
        binding.run();
    }

    public double nllSum() {
        return nllSum.getFloat(0);
    }

    public double weightSum() {
        return weightSum.getFloat(0);
    }

    /** [batch, seq] log p(target) of the last run; 0 where the target is ignored. */
    public HostTensor tokenLogprobs() {
        return tokenLogprobs;
    }

    /** [batch, seq, vocab] logits of the last run; only for an evaluator built with keepLogits. */
    public HostTensor logits() {
        if (logits == null) {
            throw new IllegalStateException("this evaluator was built without keepLogits");
        }
        return logits;
    }

    /** Evaluates batches {@code 0..count-1} of the source and averages over their scored tokens. */
    public Result evaluate(BatchSource source, long count) {
        double nll = 0;
        double weight = 0;
        for (long b = 0; b < count; b++) {
            source.fill(batch, b);
            run();
            nll += nllSum();
            weight += weightSum();
        }
        return new Result(weight > 0 ? nll / weight : Double.NaN, Math.round(weight));
    }

    @Override
    public void close() {
        binding.close();
        program.close();
    }
}
