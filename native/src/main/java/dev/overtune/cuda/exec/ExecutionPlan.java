package dev.overtune.cuda.exec;

import dev.overtune.graph.Graph;

import java.util.List;
import java.util.Map;

/**
 * A graph lowered for CUDA: the launches in order, the CUDA C source of every generated kernel, and
 * where every value lives. Graph inputs are bound by the caller; constants sit in a block written
 * once ({@code constants}, little-endian); intermediates and outputs share one block of
 * {@code memory.bytes()} bytes; outputs are read (or copied) from their slots after the last step.
 */
public record ExecutionPlan(Graph graph, List<Step> steps, String source, byte[] constants, MemoryPlan memory,
                            Map<String, Slot> outputs) {
    public ExecutionPlan {
        steps = List.copyOf(steps);
        outputs = Map.copyOf(outputs);
    }

    /** Bytes of the intermediates block. */
    public long blockBytes() {
        return memory.bytes();
    }

    /** The generated kernels' base names, in launch order. */
    public List<String> kernelFunctions() {
        return steps.stream().filter(s -> s instanceof Step.Kernel).map(s -> ((Step.Kernel) s).function()).toList();
    }

    /** One line for logs: launches, GEMMs, planned bytes and what reuse saved. */
    public String describe() {
        long gemms = steps.stream().filter(s -> s instanceof Step.Gemm).count();
        return "graph '" + graph.name() + "': " + steps.size() + " launches (" + gemms + " GEMMs, " + (steps.size() - gemms)
                + " generated kernels), intermediates " + memory.bytes() + " bytes (" + memory.unsharedBytes()
                + " without reuse), constants " + constants.length + " bytes";
    }

    /** FLOPs of every GEMM call (2·m·n·k per batch entry). */
    public long gemmFlops() {
        return steps.stream().filter(s -> s instanceof Step.Gemm).mapToLong(s -> CostReport.flops(((Step.Gemm) s).call())).sum();
    }

    /**
     * Estimated cost, several lines: GEMM FLOPs and bytes, generated launches by kind with the bytes
     * they move and their longest per-thread loop, and the {@code heaviest} launches by bytes.
     */
    public String costReport(int heaviest) {
        return CostReport.of(this, heaviest);
    }
}
