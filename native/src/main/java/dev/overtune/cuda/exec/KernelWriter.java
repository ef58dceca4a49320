package dev.overtune.cuda.exec;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes one generated kernel: a {@code __host__ __device__} function for item i holding the body,
 * the {@code __global__} entry that runs it on the device, and the {@code extern "C"} host loop
 * (left out under NVRTC) that runs it for the host tests.
 *
 * <p>Thread-per-item bodies see {@code i}. Block-per-item bodies see {@code i}, a block {@code b}
 * (the device's threads, or a loop over the same lanes on the host) and {@code shared}, OT_LANES
 * elements of the given type; on the device every thread of the block runs the body, so it must
 * reach the block's barriers alike (no exit that depends on the lane).
 */
final class KernelWriter {
    private final String function;
    private final Grid grid;
    private final String sharedType;
    private final List<String> params = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<KernelArg> args = new ArrayList<>();
    private final StringBuilder body = new StringBuilder();

    private KernelWriter(String function, Grid grid, String sharedType) {
        this.function = function;
        this.grid = grid;
        this.sharedType = sharedType;
    }

    static KernelWriter perThread(String function) {
        return new KernelWriter(function, Grid.THREAD_PER_ITEM, null);
    }

    /** A block-per-item kernel whose block shares OT_LANES elements of {@code sharedType}. */
    static KernelWriter perBlock(String function, String sharedType) {
        return new KernelWriter(function, Grid.BLOCK_PER_ITEM, sharedType);
    }

    /** Adds a pointer parameter bound to {@code arg}; read-only ones are {@code const}. */
    KernelWriter param(String cType, String name, KernelArg arg, boolean readOnly) {
        params.add((readOnly ? "const " : "") + cType + "* __restrict__ " + name);
        names.add(name);
        args.add(arg);
        return this;
    }

    void line(String s) {
        body.append("    ").append(s).append('\n');
    }

    GeneratedKernel build(String comment, long items, KernelCost cost) {
        String list = String.join(", ", params);
        String call = String.join(", ", names);
        String source = switch (grid) {
            case THREAD_PER_ITEM -> "// " + comment + "\n"
                    + "static __host__ __device__ inline void " + function + "(long i, " + list + ") {\n" + body + "}\n"
                    + "extern \"C\" __global__ void " + function + "_kernel(long n, " + list + ") {\n"
                    + "    long i = (long)blockIdx.x * blockDim.x + threadIdx.x;\n"
                    + "    if (i < n) " + function + "(i, " + call + ");\n}\n"
                    + "#ifndef __CUDACC_RTC__\n"
                    + "extern \"C\" void " + function + "_host(long n, " + list + ") {\n"
                    + "    for (long i = 0; i < n; i++) " + function + "(i, " + call + ");\n}\n"
                    + "#endif\n";
            case BLOCK_PER_ITEM -> "// " + comment + "\n"
                    + "template <class B> static __host__ __device__ inline void " + function + "(B& b, " + sharedType + "* shared, long i, "
                    + list + ") {\n" + body + "}\n"
                    + "extern \"C\" __global__ void " + function + "_kernel(long n, " + list + ") {\n"
                    + "    __shared__ " + sharedType + " shared[OT_LANES];\n"
                    + "    OtDeviceBlock b;\n"
                    + "    if ((long)blockIdx.x < n) " + function + "(b, shared, (long)blockIdx.x, " + call + ");\n}\n"
                    + "#ifndef __CUDACC_RTC__\n"
                    + "extern \"C\" void " + function + "_host(long n, " + list + ") {\n"
                    + "    " + sharedType + " shared[OT_LANES];\n"
                    + "    OtHostBlock b;\n"
                    + "    for (long i = 0; i < n; i++) " + function + "(b, shared, i, " + call + ");\n}\n"
                    + "#endif\n";
        };
        return new GeneratedKernel(function, source, items, grid, args, cost);
    }
}
