package dev.overtune.train;

import dev.overtune.backend.Parameters;
import dev.overtune.data.Batch;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;

import java.lang.foreign.Arena;

/**
 * Where one training run's parameters, gradients and optimizer moments live, and what runs a step
 * on them: host {@link ParamStore}s by default, device memory for a GPU backend. The {@link Trainer}
 * keeps the loop (schedule, divergence checks, step count); a state keeps the data and the math.
 * <p>
 * The host stores ({@code params} and the optimizer's moments) stay the reference copy for
 * checkpoints and evaluation: a state that keeps its own copy elsewhere refreshes them on
 * {@link #copyToHost()} and reads them again on {@link #copyFromHost()}.
 */
public interface TrainingState extends AutoCloseable {

    /**
     * A backend that keeps training state itself (a GPU's memory): {@link Trainer#Trainer(dev.overtune.backend.Backend,
     * LanguageModel, ParamStore, TrainConfig, Arena)} opens its states instead of host ones.
     */
    interface Source {
        Factory trainingStates();
    }

    /** Opens the state for one trainer: binds the train graph for this batch shape. */
    @FunctionalInterface
    interface Factory {
        TrainingState open(LanguageModel model, ParamStore params, AdamW optimizer, Batch batch, Arena arena);

        /**
         * Opens a state that trains the given parameters where they live (the backend's {@link Parameters}),
         * so what evaluation and perturbation of the same set see is what training left. A state that keeps
         * parameters on the host trains the host store.
         */
        default TrainingState open(LanguageModel model, Parameters params, AdamW optimizer, Batch batch, Arena arena) {
            return open(model, params.host(), optimizer, batch, arena);
        }
    }

    /** Forward and backward on the batch as it is now; parameters untouched. Returns the loss. */
    double computeGradients();

    /**
     * Regularises toward reference weights: adds {@code strength * (θ - reference)} to every
     * gradient from now on; a strength of 0 turns it off. A state may read the reference now (the
     * device copies it) or at every step (the host): it must not change while it is anchored to.
     */
    void anchorTo(ParamStore reference, double strength);

    /** As {@link #anchorTo(ParamStore, double)}, reading the reference where it lives (on the device, no upload). */
    default void anchorTo(Parameters reference, double strength) {
        anchorTo(reference.host(), strength);
    }

    /**
     * Adds the anchor gradient (if any), then scales the gradients to a global L2 norm of at most
     * maxNorm as {@link GradClip#clip} does. Returns the norm before clipping, which may be NaN or
     * infinite: the caller decides whether to update.
     */
    double clipGradients(double maxNorm);

    /** One AdamW update at rate lr with the optimizer's settings; counts the step in the optimizer. */
    void update(double lr);

    /** The gradients of the last {@link #computeGradients()}, in host memory (copied there if they live elsewhere). */
    ParamStore grads();

    /** Makes the host stores (parameters, moments) current; nothing to do where they are the state. */
    void copyToHost();

    /** Takes up what host code wrote into the parameters or moments; nothing to do where they are the state. */
    void copyFromHost();

    /**
     * The optimizer was just reset: start its moments from zero where the state keeps them, and train the
     * parameters as they are now where they live (a state opened on the backend's {@link Parameters}). The
     * default takes both from the host stores, right where those are the state.
     */
    default void restartInPlace() {
        copyFromHost();
    }

    @Override
    void close();
}
