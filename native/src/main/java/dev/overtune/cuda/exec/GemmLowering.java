package dev.overtune.cuda.exec;

import dev.overtune.graph.GraphBuilder;
import dev.overtune.tensor.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * numpy.matmul over row-major tensors as cuBLAS calls. Row-major C = A·B is column-major
 * Cᵀ = Bᵀ·Aᵀ, so cuBLAS's A operand is our B (m = N) and its B operand our A (n = M). A row-major
 * matrix stored r×c is a column-major c×r one with leading dimension c: each leading dimension is
 * the stored matrix's last axis, and an operand stored transposed (a folded Transpose of the last
 * two axes) is passed with op T.
 */
final class GemmLowering {
    private GemmLowering() {}

    /**
     * The calls computing C = A·B, A and B being the logical (already transposed) operands'
     * shapes; {@code leftStoredTransposed} means A's storage holds Aᵀ (likewise for B).
     */
    static List<GemmCall> calls(Shape a, boolean leftStoredTransposed, Shape b, boolean rightStoredTransposed) {
        int m = a.dim(-2);
        int k = a.dim(-1);
        int cols = b.dim(-1);
        int lda = rightStoredTransposed ? k : cols;
        int ldb = leftStoredTransposed ? m : k;
        Shape aBatch = Shape.of(Arrays.copyOf(a.dims(), a.rank() - 2));
        Shape bBatch = Shape.of(Arrays.copyOf(b.dims(), b.rank() - 2));
        int[] batch = GraphBuilder.broadcastShapes(aBatch, bBatch).dims();
        long total = Shape.of(batch).size();
        long matrixA = (long) m * k;
        long matrixB = (long) k * cols;
        long matrixC = (long) m * cols;
        if (bBatch.size() == 1 && !leftStoredTransposed && (aBatch.size() == total)) {
            // A right operand without batch times a contiguous left one: the batch folds into M, one GEMM.
            return List.of(new GemmCall(rightStoredTransposed, false, cols, Math.toIntExact(total * m), k,
                    lda, 0, 0, ldb, 0, 0, cols, 0, 0, 1));
        }
        // Matrix-unit strides of each operand over the output's batch axes (0 where broadcast).
        long[] strideA = NodeKernel.broadcastStrides(aBatch, Shape.of(batch));
        long[] strideB = NodeKernel.broadcastStrides(bBatch, Shape.of(batch));
        // The longest run of trailing batch axes each operand walks uniformly is one strided-batched
        // call; the leading axes, if any, are a loop of such calls.
        int split = batch.length;
        while (split > 0 && uniform(batch, strideA, split - 1) && uniform(batch, strideB, split - 1)) {
            split--;
        }
        int inner = 1;
        for (int d = split; d < batch.length; d++) {
            inner *= batch[d];
        }
        long sA = uniformStride(batch, strideA, split);
        long sB = uniformStride(batch, strideB, split);
        long outer = total / inner;
        List<GemmCall> calls = new ArrayList<>();
        for (long o = 0; o < outer; o++) {
            long q = o;
            long offA = 0;
            long offB = 0;
            for (int d = split - 1; d >= 0; d--) {
                long coord = q % batch[d];
                q /= batch[d];
                offA += coord * strideA[d];
                offB += coord * strideB[d];
            }
            calls.add(new GemmCall(rightStoredTransposed, leftStoredTransposed, cols, m, k,
                    lda, offB * matrixB, sB * matrixB, ldb, offA * matrixA, sA * matrixA,
                    cols, o * inner * matrixC, matrixC, inner));
        }
        return calls;
    }

    /**
     * Whether axes [from, end) can be one stride: all broadcast (stride 0), or all contiguous
     * (each stride the product of the later axes). Size-1 output axes fit either.
     */
    private static boolean uniform(int[] batch, long[] stride, int from) {
        boolean allZero = true;
        boolean contiguous = true;
        long expected = 1;
        for (int d = batch.length - 1; d >= from; d--) {
            if (batch[d] != 1) {
                allZero &= stride[d] == 0;
                contiguous &= stride[d] == expected;
            }
            expected *= batch[d];
        }
        return allZero || contiguous;
    }

    /** The per-matrix step over axes [from, end): 1 if contiguous, 0 if broadcast. */
    private static long uniformStride(int[] batch, long[] stride, int from) {
        for (int d = from; d < batch.length; d++) {
            if (batch[d] != 1) {
                return stride[d] == 0 ? 0 : 1;
            }
        }
        return 0;
    }
}
