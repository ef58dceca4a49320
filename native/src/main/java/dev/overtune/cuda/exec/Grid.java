package dev.overtune.cuda.exec;

/** How a generated kernel's items map onto the device: one thread each, or one thread block each. */
public enum Grid {
    /** Item i is thread i of a 1-D grid of {@link #LANES}-thread blocks. */
    THREAD_PER_ITEM,
    /**
     * Item i is block i; its {@link #LANES} threads share the item's work and reduce it in a fixed
     * tree order ({@code ot_block_sum}/{@code ot_block_max} in {@link GraphLowering#PRELUDE}).
     */
    BLOCK_PER_ITEM;

    /** Threads per block for every generated kernel (OT_LANES in the generated source; a power of two). */
    public static final int LANES = 256;
}
