package dev.overtune.cuda.exec;

import java.util.List;

/** One launch of an execution plan, in order. */
public sealed interface Step {
    /** The IR node this step computes, for messages. */
    String node();

    /**
     * A generated kernel: {@code function + "_kernel"} on the device, {@code function + "_host"} in
     * the host library, run for items [0, items) laid out by {@code grid}; args are the slots its
     * pointer parameters are bound to, in order.
     */
    record Kernel(String node, String function, long items, Grid grid, List<Slot> args, KernelCost cost) implements Step {
        public Kernel {
            args = List.copyOf(args);
        }
    }

    /** A GEMM; a, b and c are the slots of cuBLAS's A, B and C operands (see {@link GemmCall}). */
    record Gemm(String node, GemmCall call, Slot a, Slot b, Slot c) implements Step {}
}
