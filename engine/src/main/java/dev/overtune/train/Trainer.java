package dev.overtune.train;

import dev.overtune.backend.Backend;
import dev.overtune.backend.HostTensor;
import dev.overtune.graph.DType;
import dev.overtune.graph.Shape;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;

/**
 * The training loop's one step: run forward+backward on the bound batch, check the loss, clip,
 * schedule, AdamW. Parameters, gradients and moments stay off-heap; the backend reads parameters and
 * writes gradients in place, so nothing is copied per step.
 */
public final class Trainer implements AutoCloseable {
    private final LanguageModel model;
    private final ParamStore params;
    private final ParamStore grads;
    private TrainConfig config;
    private final AdamW adam;
    private ParamStore anchor;
    private double anchorStrength;
    private final Batch batch;
    private final HostTensor loss;
    private final Backend.Program program;
    private final Backend.Binding binding;
    private double lastFiniteLoss = Double.NaN;
    private long lastFiniteStep = -1;

    public Trainer(Backend backend, LanguageModel model, ParamStore params, TrainConfig config, Arena arena) {
        this.model = model;
        this.params = params;
        this.config = config;
        this.grads = ParamStore.allocate(arena, params.specs());
        this.adam = new AdamW(arena, params, config.adam());
        this.batch = Batch.allocate(arena, config.batchSize(), config.seqLen());
        this.loss = HostTensor.allocate(arena, DType.F32, Shape.scalar());
        this.program = backend.compile(TrainingGraphs.train(model, config.batchSize(), config.seqLen()));
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
    }

    public LanguageModel model() {
        return model;
    }

    public TrainConfig config() {
        return config;
    }

    public ParamStore params() {
        return params;
    }

    public ParamStore grads() {
        return grads;
    }

    public AdamW optimizer() {
        return adam;
    }

    /**
     * Starts a new run on the same compiled graph: optimizer state cleared, step 0, new settings.
     * The batch shape must stay the same (it is baked into the graph).
     */
    public void restart(TrainConfig next) {
        if (next.batchSize() != config.batchSize() || next.seqLen() != config.seqLen()) {
            throw new IllegalArgumentException("restart needs the same batch shape " + config.batchSize() + "x" + config.seqLen()
                    + ", got " + next.batchSize() + "x" + next.seqLen());
        }
        adam.reset(next.adam());
        config = next;
        lastFiniteLoss = Double.NaN;
        lastFiniteStep = -1;
    }

    /**
     * Regularises toward reference weights (usually the pre-trained ones): adds
     * {@code strength * (θ - anchor)} to every gradient, the gradient of {@code strength/2 ‖θ - anchor‖²}.
     * A strength of 0 turns it off.
     */
    public void anchorTo(ParamStore reference, double strength) {
        if (strength < 0) {
            throw new IllegalArgumentException("anchor strength must be >= 0, got " + strength);
        }
        this.anchor = strength > 0 ? reference : null;
        this.anchorStrength = strength;
    }

    /** The buffers the next step reads; fill them, then call {@link #step()}. */
    public Batch batch() {
        return batch;
    }

    /** The index of the next step (the number of updates applied so far). */
    public long nextStep() {
        return adam.step();
    }

    /** Forward and backward only: the loss and gradients for the current batch, parameters untouched. */
    public double computeGradients() {
        if (batch.scoredTokens() == 0) {
            throw new IllegalStateException("step " + nextStep() + ": the batch has no scored tokens (loss mask all zero)");
        }
        binding.run();
        return loss.getFloat(0);
    }

    /** One step at the rate the configured schedule gives for it. */
    public StepResult step() {
        return step(config.schedule());
    }

    /** One step at the rate {@code schedule} gives for it: for runs whose rate curve changes between phases. */
    public StepResult step(Schedule schedule) {
        long s = nextStep();
        double l = computeGradients();
        if (!Double.isFinite(l)) {
            throw new DivergenceException(s, "loss is " + l, lastFiniteLoss, lastFiniteStep);
        }
        if (anchor != null) {
            addAnchorGradient();
        }
        double norm = GradClip.clip(grads.flat(), config.clipNorm());
        if (!Double.isFinite(norm)) {
            throw new DivergenceException(s, "gradient norm is " + norm, lastFiniteLoss, lastFiniteStep);
        }
        double lr = schedule.at(s);
        adam.update(params, grads, lr);
        lastFiniteLoss = l;
        lastFiniteStep = s;
        return new StepResult(s, l, norm, lr);
    }

    private void addAnchorGradient() {
        HostTensor g = grads.flat();
        HostTensor p = params.flat();
        HostTensor a = anchor.flat();
        float s = (float) anchorStrength;
        for (long i = 0; i < g.size(); i++) {
            g.setFloat(i, g.getFloat(i) + s * (p.getFloat(i) - a.getFloat(i)));
        }
    }

    /** Fills the batch from the source for the next step, then steps. */
    public StepResult step(BatchSource source) {
        return step(source, config.schedule());
    }

    /** Fills the batch from the source for the next step, then steps at the rate {@code schedule} gives. */
    public StepResult step(BatchSource source, Schedule schedule) {
        source.fill(batch, nextStep());
        return step(schedule);
    }

    @Override
    public void close() {
        binding.close();
        program.close();
    }
}
