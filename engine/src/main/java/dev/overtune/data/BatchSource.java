package dev.overtune.data;

/** Fills a batch for a given step. Must be a pure function of the step, so a resumed run sees the same data. */
@FunctionalInterface
public interface BatchSource {
    void fill(Batch batch, long step);
}
