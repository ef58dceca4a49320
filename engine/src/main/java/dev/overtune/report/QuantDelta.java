package dev.overtune.report;

/** One quantisation format on one checkpoint: OOD and ID test loss of the quantised model minus the base model's. */
public record QuantDelta(double deltaOod, double deltaIdTest) {}
