package dev.overtune.findings;

/**
 * One quantisation format on one checkpoint: OOD and ID test loss of the quantised model minus the base model's,
 * and the 95% interval of the OOD one from the evaluation windows (none without per-window losses).
 */
public record QuantDelta(double deltaOod, double deltaIdTest, Interval oodCi) {}
