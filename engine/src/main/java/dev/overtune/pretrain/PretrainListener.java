package dev.overtune.pretrain;

import dev.overtune.train.StepResult;

/** What a pre-training run reports as it goes; every method may be left out. */
public interface PretrainListener {
    /** Once the inputs and the output directory are accepted, before the first step; {@code stepsDone} of the plan's steps are already behind (a resume). */
    default void onStart(SeriesPlan plan, long stepsDone) {}

    /** The run continues from a saved state, {@code stepsDone} steps into the plan; right after {@link #onStart}. */
    default void onResume(long stepsDone) {}

    default void onStep(SeriesPlan.Leg leg, StepResult step) {}

    /** A budget's checkpoint is written and recorded in series.json. */
    default void onCheckpoint(PretrainedCheckpoint checkpoint) {}

    default void onFinish(PretrainManifest manifest) {}
}
