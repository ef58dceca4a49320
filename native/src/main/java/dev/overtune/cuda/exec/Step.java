package dev.overtune.cuda.exec;

import dev.overtune.cuda.driver.Cublas;

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

    /**
     * A GEMM at {@code precision}; a, b and c are the slots of cuBLAS's A, B and C operands (see
     * {@link GemmCall}): A and B hold {@code precision.inputBytes()}-byte elements, C is FP32.
     */
    record Gemm(String node, GemmCall call, Slot a, Slot b, Slot c, Cublas.Precision precision) implements Step {
        public long addressA(long base) {
            return base + (long) precision.inputBytes() * call.offsetA();
        }

        public long addressB(long base) {
            return base + (long) precision.inputBytes() * call.offsetB();
        }

        public long addressC(long base) {
            return base + (long) Float.BYTES * call.offsetC();
        }
    }
}
