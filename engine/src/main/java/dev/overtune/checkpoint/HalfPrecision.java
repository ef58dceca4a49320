package dev.overtune.checkpoint;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Widens little-endian F16 and BF16 elements to F32; both conversions are exact. */
final class HalfPrecision {
    private static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private HalfPrecision() {
    }

    static void f16ToF32(MemorySegment from, MemorySegment to) {
        long n = from.byteSize() / 2;
        for (long i = 0; i < n; i++) {
            to.setAtIndex(F32_LE, i, Float.float16ToFloat(from.getAtIndex(U16_LE, i)));
        }
    }

    /** BF16 is the top half of an F32's bits. */
    static void bf16ToF32(MemorySegment from, MemorySegment to) {
        long n = from.byteSize() / 2;
        for (long i = 0; i < n; i++) {
            to.setAtIndex(F32_LE, i, Float.intBitsToFloat(from.getAtIndex(U16_LE, i) << 16));
        }
    }
}
