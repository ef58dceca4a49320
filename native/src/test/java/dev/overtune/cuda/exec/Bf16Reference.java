package dev.overtune.cuda.exec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The BF16 plan's arithmetic written out in Java, to check the generated casts and the GEMMs' wiring
 * against: round to nearest even as ot_f32_to_bf16 does (KernelHostHarnessTest checks that one
 * against the definition), and a GEMM over bf16 operands summing p = 0 … k−1 in float. A product of
 * two bf16 values is exact in float, so this matches the host reference GEMM bit for bit.
 */
final class Bf16Reference {
    private static final ValueLayout.OfShort BITS = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Bf16Reference() {}

    /** The bfloat16 bits nearest to x, ties to even; NaN stays NaN. */
    static short bits(float x) {
        int b = Float.floatToRawIntBits(x);
        if ((b & 0x7fffffff) > 0x7f800000) {
            return (short) ((b >>> 16) | 0x40);
        }
        return (short) ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
    }

    static float widen(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    static float round(float x) {
        return widen(bits(x));
    }

    /** C of one cuBLAS call (column-major, alpha 1, beta 0) from bf16 A and B at their first matrices. */
    static float[] gemm(GemmCall c, MemorySegment a, MemorySegment b) {
        float[] out = new float[c.batch() * c.m() * c.n()];
        for (int q = 0; q < c.batch(); q++) {
            for (int j = 0; j < c.n(); j++) {
                for (int i = 0; i < c.m(); i++) {
                    float acc = 0;
                    for (int p = 0; p < c.k(); p++) {
                        long ai = q * c.strideA() + (c.transA() ? p + (long) i * c.lda() : i + (long) p * c.lda());
                        long bi = q * c.strideB() + (c.transB() ? j + (long) p * c.ldb() : p + (long) j * c.ldb());
                        acc += widen(a.getAtIndex(BITS, ai)) * widen(b.getAtIndex(BITS, bi));
                    }
                    out[(q * c.n() + j) * c.m() + i] = acc;
                }
            }
        }
        return out;
    }

    /** Element (q, i, j) of C as {@link #gemm} numbers it, read from the plan's C. */
    static float c(GemmCall c, MemorySegment cBase, int q, int i, int j) {
        return cBase.getAtIndex(F32, q * c.strideC() + i + (long) j * c.ldc());
    }
}
