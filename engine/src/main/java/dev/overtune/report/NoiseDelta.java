package dev.overtune.report;

/** Noise at one γ on one checkpoint: mean over samples of (noisy OOD loss − base OOD loss), with its 95% t-interval. */
public record NoiseDelta(double meanDeltaOod, Interval ci, int samples) {}
