package dev.overtune.train;

import dev.overtune.backend.Backend;
import dev.overtune.backend.Parameters;
import dev.overtune.data.Batch;
import dev.overtune.data.BatchSource;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;

import java.lang.foreign.Arena;

/**
 * The training loop's one step: run forward+backward on the bound batch, check the loss, clip,
 * schedule, AdamW. Where parameters, gradients and moments live and what updates them is the
 * {@link TrainingState}'s business: off-heap host memory by default (the backend reads parameters
 * and writes gradients in place, so nothing is copied per step), device memory for a GPU backend.
 */
public final class Trainer implements AutoCloseable {
    private final LanguageModel model;
    private final ParamStore params;
    private TrainConfig config;
    private final AdamW adam;
    private final Batch batch;
    private final TrainingState state;
    private final boolean inPlace;
    private double lastFiniteLoss = Double.NaN;
    private long lastFiniteStep = -1;

    /**
     * Trains through the backend: on host memory (the CPU path), or in the backend's own memory where it
     * is a {@link TrainingState.Source} (the CUDA backend keeps parameters, gradients and moments resident).
     */
    public Trainer(Backend backend, LanguageModel model, ParamStore params, TrainConfig config, Arena arena) {
        this(backend instanceof TrainingState.Source source ? source.trainingStates() : HostTrainingState.on(backend),
                model, params, config, arena);
    }

    /** Trains with the state the factory opens: a device-resident one for a GPU backend. */
    public Trainer(TrainingState.Factory states, LanguageModel model, ParamStore params, TrainConfig config, Arena arena) {
        this.model = model;
        this.params = params;
        this.config = config;
        this.adam = new AdamW(arena, params, config.adam());
        this.batch = Batch.allocate(arena, config.batchSize(), config.seqLen());
        this.state = states.open(model, params, adam, batch, arena);
        this.inPlace = false;
    }

    /**
     * Trains the backend's parameters where they live, shared with the evaluators and perturbers given the
     * same set: {@link #restart} then takes the parameters as they are there (no upload), and nothing needs
     * syncing between a fine-tune and an evaluation of it. {@link #params()} is the set's host copy, current
     * after {@link #syncToHost()}.
     */
    public Trainer(Backend backend, LanguageModel model, Parameters params, TrainConfig config, Arena arena) {
        TrainingState.Factory states = backend instanceof TrainingState.Source source ? source.trainingStates() : HostTrainingState.on(backend);
        this.model = model;
        this.params = params.host();
        this.config = config;
        this.adam = new AdamW(arena, this.params, config.adam());
        this.batch = Batch.allocate(arena, config.batchSize(), config.seqLen());
        this.state = states.open(model, params, adam, batch, arena);
        this.inPlace = true;
    }

    public LanguageModel model() {
        return model;
    }

    public TrainConfig config() {
        return config;
    }

    /** The host parameters: current after {@link #syncToHost()} (always, on the CPU path). */
    public ParamStore params() {
        return params;
    }

    /** The last step's gradients in host memory. */
    public ParamStore grads() {
        return state.grads();
    }

    public AdamW optimizer() {
        return adam;
    }

    /**
     * Starts a new run on the same compiled graph from the parameters now in {@link #params()}:
     * optimizer state cleared, step 0, new settings. The batch shape must stay the same (it is
     * baked into the graph).
     */
    public void restart(TrainConfig next) {
        if (next.batchSize() != config.batchSize() || next.seqLen() != config.seqLen()) {
            throw new IllegalArgumentException("restart needs the same batch shape " + config.batchSize() + "x" + config.seqLen()
                    + ", got " + next.batchSize() + "x" + next.seqLen());
        }
        adam.reset(next.adam());
        if (inPlace) {
            state.restartInPlace();
        } else {
            state.copyFromHost();
        }
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
        state.anchorTo(reference, strength);
    }

    /** As {@link #anchorTo(ParamStore, double)}, with the reference read where it lives (the base model on the device). */
    public void anchorTo(Parameters reference, double strength) {
        if (strength < 0) {
            throw new IllegalArgumentException("anchor strength must be >= 0, got " + strength);
        }
        state.anchorTo(reference, strength);
    }

    /** Makes {@link #params()} and the optimizer's moments current, for a checkpoint or an evaluation. */
    public void syncToHost() {
        state.copyToHost();
    }

    /** Takes up parameters or moments written into the host stores (loaded, initialised, restored). */
    public void syncFromHost() {
        state.copyFromHost();
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
        return state.computeGradients();
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
        double norm = state.clipGradients(config.clipNorm());
        if (!Double.isFinite(norm)) {
            throw new DivergenceException(s, "gradient norm is " + norm, lastFiniteLoss, lastFiniteStep);
        }
        double lr = schedule.at(s);
        state.update(lr);
        lastFiniteLoss = l;
        lastFiniteStep = s;
        return new StepResult(s, l, norm, lr);
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
        state.close();
    }
}
