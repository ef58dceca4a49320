package dev.overtune.cuda.train;

/**
 * The launch shape of the two-pass global sum of squares (train_step.cu). It depends on the element
 * count alone, never on the card, so the summation order, and with it every bit of the norm, is the
 * same on every GPU.
 */
public final class NormReduction {
    /** Threads per block: OT_NORM_THREADS in gradnorm.cuh. */
    public static final int THREADS = 256;
    /** Pass 2 is one block, so pass 1 writes at most this many partial sums. */
    public static final int MAX_BLOCKS = 1024;
    /** Elements each thread of pass 1 reads at least, so small tensors do not use many idle blocks. */
    static final int PER_THREAD = 16;

    private NormReduction() {}

    /** Pass 1's block count for n elements. */
    public static int blocks(long n) {
        long wanted = (n + (long) THREADS * PER_THREAD - 1) / ((long) THREADS * PER_THREAD);
        return (int) Math.max(1, Math.min(MAX_BLOCKS, wanted));
    }
}
