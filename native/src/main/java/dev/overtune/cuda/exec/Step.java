package dev.overtune.cuda.exec;

import java.util.List;

/** One launch of an execution plan, in order. */
public sealed interface Step {
    /** The IR node this step computes, for messages. */
    String node();

    /**
     * A generated kernel: {@code function + "_kernel"} on the device, {@code function + "_host"} in
     * the host library, run for i in [0, threads); args are the output's slot then the inputs'.
     */
    record Kernel(String node, String function, long threads, List<Slot> args) implements Step {
        public Kernel {
            args = List.copyOf(args);
        }
    }

    /** A GEMM; a, b and c are the slots of cuBLAS's A, B and C operands (see {@link GemmCall}). */
    record Gemm(String node, GemmCall call, Slot a, Slot b, Slot c) implements Step {}
}
