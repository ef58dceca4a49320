package dev.overtune.bench;

import dev.overtune.data.Batch;

/**
 * The batch both sides run, computed rather than shipped: over the flattened [B, T] positions
 * {@code ids[i] = (7919 i + 13) mod V}, targets shifted by one, every position scored. The step's
 * cost does not depend on the token values; agreeing on them lets the two sides' losses be compared.
 */
public final class FixedBatch {
    private FixedBatch() {}

    public static long token(long i, int vocab) {
        return (7919 * i + 13) % vocab;
    }

    public static void fill(Batch batch, int vocab) {
        long n = batch.inputIds().size();
        for (long i = 0; i < n; i++) {
            batch.inputIds().setLong(i, token(i, vocab));
            batch.targets().setLong(i, token(i + 1, vocab));
        }
        batch.lossMask().fill(1.0);
    }
}
