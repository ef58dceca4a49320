package dev.overtune.pretrain;

import java.util.Arrays;

/**
 * Splits a corpus' token stream into training tokens and a held-out (OOD evaluation) set: the stream
 * is cut into {@value #CHUNKS} equal chunks and an evenly spaced share of them is held out. Spacing
 * the chunks through the whole stream keeps the held-out text representative even when the corpus is
 * sorted (alphabetical glosses, one file per topic), and the split depends on nothing but the tokens.
 */
public record HeldOutSplit(double fraction) {
    public static final int CHUNKS = 100;
    public static final double MIN_FRACTION = 0.01;
    public static final double MAX_FRACTION = 0.5;

    public record Split(int[] train, int[] heldOut) {}

    public HeldOutSplit {
        if (!(fraction >= MIN_FRACTION && fraction <= MAX_FRACTION)) {
            throw new IllegalArgumentException("--ood-fraction must be between " + MIN_FRACTION + " and " + MAX_FRACTION + ", got " + fraction);
        }
    }

    /** Whole chunks held out: the fraction rounded to the chunk grid. */
    public int heldOutChunks() {
        return (int) Math.round(fraction * CHUNKS);
    }

    /** Chunk i is held out when the running count of held-out chunks steps up at i: evenly spaced, the last chunk included. */
    public boolean isHeldOut(int chunk) {
        int h = heldOutChunks();
        return (chunk + 1) * h / CHUNKS > chunk * h / CHUNKS;
    }

    public Split apply(int[] tokens) {
        int[] train = new int[tokens.length];
        int[] heldOut = new int[tokens.length];
        int nTrain = 0;
        int nHeld = 0;
        for (int c = 0; c < CHUNKS; c++) {
            int from = (int) ((long) c * tokens.length / CHUNKS);
            int to = (int) ((long) (c + 1) * tokens.length / CHUNKS);
            if (isHeldOut(c)) {
                System.arraycopy(tokens, from, heldOut, nHeld, to - from);
                nHeld += to - from;
            } else {
                System.arraycopy(tokens, from, train, nTrain, to - from);
                nTrain += to - from;
            }
        }
        return new Split(Arrays.copyOf(train, nTrain), Arrays.copyOf(heldOut, nHeld));
    }
}
