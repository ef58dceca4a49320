package dev.overtune.cuda.exec;

/**
 * One cublasGemmStridedBatchedEx call, with its exact (column-major) argument semantics:
 * {@code C[b] = op(A[b]) · op(B[b])} for b in [0, batch), C m×n with leading dimension ldc,
 * op(A) m×k, op(B) k×n, operand b at element {@code offset + b·stride} (stride 0 broadcasts).
 * Alpha is 1 and beta 0. Offsets and strides count elements, not bytes.
 */
public record GemmCall(boolean transA, boolean transB, int m, int n, int k,
                       int lda, long offsetA, long strideA,
                       int ldb, long offsetB, long strideB,
                       int ldc, long offsetC, long strideC,
                       int batch) {
    /** Multiply-adds this call performs. */
    public long multiplyAdds() {
        return (long) m * n * k * batch;
    }
}
