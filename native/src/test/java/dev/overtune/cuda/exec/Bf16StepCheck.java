package dev.overtune.cuda.exec;

import dev.overtune.cuda.driver.Cublas;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks a BF16 plan step by step while the host runs it: every operand cast wrote the bf16 value
 * nearest (ties to even) to each element of its source, and every BF16 GEMM wrote, bit for bit, what
 * {@link Bf16Reference#gemm} computes from the copies it was given.
 */
final class Bf16StepCheck implements HostExecutor.StepObserver {
    private static final ValueLayout.OfShort BITS = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    int casts;
    int gemms;
    /** ones·d row sums (bias and LayerNorm gradients), which a BF16 plan keeps in FP32. */
    int rowSums;
    long elements;

    @Override
    public void ran(Step step, SlotAddresses addresses) {
        switch (step) {
            case Step.Kernel k when k.function().contains("_bf16_") -> {
                MemorySegment copy = segment(addresses.of(k.args().get(0)), 2 * k.items());
                MemorySegment source = segment(addresses.of(k.args().get(1)), 4 * k.items());
                for (long i = 0; i < k.items(); i++) {
                    short want = Bf16Reference.bits(source.getAtIndex(F32, i));
                    if (copy.getAtIndex(BITS, i) != want) {
                        fail(k.function() + " (node " + k.node() + ") element " + i + ": " + source.getAtIndex(F32, i) + " cast to bf16 bits "
                                + Integer.toHexString(copy.getAtIndex(BITS, i) & 0xffff) + ", expected " + Integer.toHexString(want & 0xffff));
                    }
                }
                casts++;
            }
            case Step.Gemm g when g.precision() == Cublas.Precision.FP32 -> rowSums++;
            case Step.Gemm g -> {
                assertEquals(Cublas.Precision.BF16, g.precision(), g.node());
                GemmCall c = g.call();
                MemorySegment a = segment(g.addressA(addresses.of(g.a())), 2 * extent(c.transA(), c.m(), c.k(), c.lda(), c.strideA(), c.batch()));
                MemorySegment b = segment(g.addressB(addresses.of(g.b())), 2 * extent(c.transB(), c.k(), c.n(), c.ldb(), c.strideB(), c.batch()));
                MemorySegment out = segment(g.addressC(addresses.of(g.c())), 4 * extent(false, c.m(), c.n(), c.ldc(), c.strideC(), c.batch()));
                float[] want = Bf16Reference.gemm(c, a, b);
                for (int q = 0; q < c.batch(); q++) {
                    for (int j = 0; j < c.n(); j++) {
                        for (int i = 0; i < c.m(); i++) {
                            float expected = want[(q * c.n() + j) * c.m() + i];
                            float actual = Bf16Reference.c(c, out, q, i, j);
                            if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(actual)) {
                                fail("GEMM of node " + g.node() + " at (" + q + ", " + i + ", " + j + "): " + actual + ", the bf16 reference "
                                        + expected + "; " + c);
                            }
                        }
                    }
                }
                gemms++;
                elements += (long) c.batch() * c.m() * c.n();
            }
            default -> { }
        }
    }

    /** Elements from the first matrix's start to one past the last matrix's last element. */
    private static long extent(boolean transposed, int rows, int cols, int ld, long stride, int batch) {
        if (rows == 0 || cols == 0 || batch == 0) {
            return 0;
        }
        long last = transposed ? (cols - 1) + (long) (rows - 1) * ld : (rows - 1) + (long) (cols - 1) * ld;
        return (batch - 1) * stride + last + 1;
    }

    private static MemorySegment segment(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }
}
