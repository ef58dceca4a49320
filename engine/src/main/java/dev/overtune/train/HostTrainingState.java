package dev.overtune.train;

import dev.overtune.backend.Backend;
import dev.overtune.backend.OrtBackend;
import dev.overtune.data.Batch;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU path: the backend reads the host parameters and writes the host gradients in place, and
 * clipping, the anchor and AdamW run over the flat off-heap blocks. Nothing is copied per step.
 */
final class HostTrainingState implements TrainingState {
    private final ParamStore params;
    private final ParamStore grads;
    private final AdamW adam;
    private final HostTensor loss;
    private final Backend.Program program;
    private final Backend.Binding binding;
    private final FlatChunks chunks;
    private ParamStore anchor;
    private float anchorStrength;

    private HostTrainingState(Backend backend, LanguageModel model, ParamStore params, AdamW adam, Batch batch, Arena arena) {
        this.params = params;
        this.adam = adam;
        this.grads = ParamStore.allocate(arena, params.specs());
        this.loss = HostTensor.allocate(arena, DType.F32, Shape.scalar());
        this.program = backend.compile(TrainingGraphs.train(model, batch.batchSize(), batch.seqLen()));
        Map<String, HostTensor> inputs = new HashMap<>(params.tensors());
        inputs.putAll(batch.asInputs());
        Map<String, HostTensor> outputs = new HashMap<>();
        outputs.put(TrainingGraphs.LOSS, loss);
        grads.tensors().forEach((name, t) -> outputs.put(TrainingGraphs.GRAD_PREFIX + name, t));
        try {
            this.binding = program.bind(inputs, outputs);
        } catch (RuntimeException e) {
            program.close();
            throw e;
        }
        // Clipping and AdamW use as many threads as the backend was given (--threads), no more.
        this.chunks = new FlatChunks(backend instanceof OrtBackend ort ? ort.threads() : Runtime.getRuntime().availableProcessors());
    }

    static TrainingState.Factory on(Backend backend) {
        return (model, params, adam, batch, arena) -> new HostTrainingState(backend, model, params, adam, batch, arena);
    }

    @Override
    public double computeGradients() {
        binding.run();
        return loss.getFloat(0);
    }

    @Override
    public void anchorTo(ParamStore reference, double strength) {
        this.anchor = strength > 0 ? reference : null;
        this.anchorStrength = (float) strength;
    }

    @Override
    public double clipGradients(double maxNorm) {
        if (anchor != null) {
            AnchorGradient.add(grads.flat(), params.flat(), anchor.flat(), anchorStrength);
        }
        return GradClip.clip(grads.flat(), maxNorm, chunks);
    }

    @Override
    public void update(double lr) {
        adam.update(params, grads, lr, chunks);
    }

    @Override
    public ParamStore grads() {
        return grads;
    }

    @Override
    public void copyToHost() {}

    @Override
    public void copyFromHost() {}

    @Override
    public void close() {
        binding.close();
        program.close();
        chunks.close();
    }
}
