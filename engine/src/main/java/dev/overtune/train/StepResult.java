package dev.overtune.train;

/** What one optimizer step did: its 0-based index, the loss before the update, the gradient norm before clipping, and the rate used. */
public record StepResult(long step, double loss, double gradNorm, double lr) {}
