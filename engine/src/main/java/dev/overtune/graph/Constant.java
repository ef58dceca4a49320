package dev.overtune.graph;

/** The data of a constant value: small masks, index ranges and scalars baked into a graph. */
public sealed interface Constant {
    record Floats(double[] values) implements Constant {}

    record Longs(long[] values) implements Constant {}

    record Bools(boolean[] values) implements Constant {}
}
