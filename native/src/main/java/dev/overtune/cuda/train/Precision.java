package dev.overtune.cuda.train;

import dev.overtune.cuda.driver.Cublas;

/**
 * What a training graph's GEMMs compute in. Parameters, gradients and AdamW moments are FP32
 * masters either way, and the graph reads and writes them as FP32: the casts are inside the graph.
 */
public enum Precision {
    /** FP32 GEMM operands (cuBLAS at FP32 or TF32). */
    FP32,
    /**
     * BF16 GEMM operands, cast from the FP32 values just before each GEMM (round to nearest even),
     * FP32 accumulation and output; everything else FP32.
     */
    BF16_COMPUTE;

    /** The training precision of a graph whose GEMMs run at {@code gemms}. */
    public static Precision of(Cublas.Precision gemms) {
        return gemms == Cublas.Precision.BF16 ? BF16_COMPUTE : FP32;
    }
}
