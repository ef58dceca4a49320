package dev.overtune.train;

/** A learning rate for every 0-based optimizer step of a run that is {@link #totalSteps()} long. */
public interface Schedule {
    double at(long step);

    long totalSteps();
}
