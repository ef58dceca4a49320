package dev.overtune.findings;

/** Fine-tuning at one learning rate, averaged over the seeds that finished: ID validation and test loss, OOD loss. */
public record FineTuneOutcome(double lr, double idValLoss, double idTestLoss, double oodLoss, int runs) {}
