package dev.overtune.findings;

/**
 * Noise at one γ on one checkpoint: mean over samples of (noisy OOD loss − base OOD loss), with its 95% measurement
 * interval from the samples and, where stored, the evaluation windows paired with the base model's.
 */
public record NoiseDelta(double meanDeltaOod, Interval ci, int samples) {}
