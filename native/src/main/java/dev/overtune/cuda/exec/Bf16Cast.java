package dev.overtune.cuda.exec;

/**
 * The cast a BF16 plan runs before each GEMM, once per operand: an F32 value to bfloat16 bits in the
 * GEMM's scratch, rounded to nearest even by {@code ot_f32_to_bf16} (overtune_math.cuh, whose
 * conversion the host harness checks), so cuBLAS reads BF16 operands while everything else stays FP32.
 */
final class Bf16Cast {
    /** Scratch 0 of the kernel is the bf16 copy, input 0 the F32 operand. */
    static final KernelArg COPY = new KernelArg.Scratch(0);
    static final KernelArg SOURCE = new KernelArg.Input(0);

    private Bf16Cast() {}

    static GeneratedKernel of(String function, long elements) {
        KernelWriter w = KernelWriter.perThread(function)
                .param("unsigned short", "out", COPY, false)
                .param("float", "x", SOURCE, true);
        w.line("out[i] = ot_f32_to_bf16(x[i]);");
        long bytes = elements * (Float.BYTES + 2);
        return w.build("GEMM operand to bf16, round to nearest even", elements, new KernelCost(elements, 1, bytes, bytes));
    }
}
