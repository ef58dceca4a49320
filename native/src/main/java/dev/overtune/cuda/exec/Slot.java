package dev.overtune.cuda.exec;

/**
 * Where a value's bytes are while a plan runs: a bound graph input, the constants block, or the
 * intermediates block at a byte offset. Node outputs that are reshapes share their input's slot.
 */
public sealed interface Slot {
    /** The graph input at this position of {@code Graph.inputs()}. */
    record Input(int index) implements Slot {}

    /** Bytes at this offset of the plan's constants block (written once, read-only afterwards). */
    record Constant(long offset) implements Slot {}

    /** Bytes at this offset of the intermediates block, shared with values whose lifetimes do not overlap. */
    record Block(long offset) implements Slot {}
}
