package dev.overtune.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * A tensor in host memory outside the Java heap. The segment's lifetime is its arena's; backends
 * read and write it in place (ONNX Runtime wraps it without copying).
 */
public record HostTensor(MemorySegment segment, DType dtype, Shape shape) {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public HostTensor {
        if (segment.byteSize() != shape.size() * dtype.byteSize()) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes cannot hold " + dtype + shape);
        }
    }

    public static HostTensor allocate(Arena arena, DType dtype, Shape shape) {
        long bytes = Math.max(shape.size() * dtype.byteSize(), 0);
        return new HostTensor(arena.allocate(bytes, 64), dtype, shape);
    }

    public long size() {
        return shape.size();
    }

    public float getFloat(long i) {
        return segment.getAtIndex(F32, i);
    }

    public void setFloat(long i, float v) {
        segment.setAtIndex(F32, i, v);
    }

    public double getDouble(long i) {
        return dtype == DType.F64 ? segment.getAtIndex(F64, i) : segment.getAtIndex(F32, i);
    }

    public void setDouble(long i, double v) {
        if (dtype == DType.F64) {
            segment.setAtIndex(F64, i, v);
        } else {
            segment.setAtIndex(F32, i, (float) v);
        }
    }

    public long getLong(long i) {
        return segment.getAtIndex(I64, i);
    }

    public void setLong(long i, long v) {
        segment.setAtIndex(I64, i, v);
    }

    /** All elements as floats (copies; for tests and reports, not hot paths). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(size())];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) getDouble(i);
        }
        return out;
    }

    public void copyFrom(HostTensor other) {
        if (other.dtype != dtype || !other.shape.equals(shape)) {
            throw new IllegalArgumentException("cannot copy " + other.dtype + other.shape + " into " + dtype + shape);
        }
        segment.copyFrom(other.segment);
    }

    public void fill(double v) {
        for (long i = 0; i < size(); i++) {
            setDouble(i, v);
        }
    }

    /** A direct little-endian view over the same memory, for APIs that take NIO buffers. */
    public FloatBuffer floatBuffer() {
        return segment.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    public LongBuffer longBuffer() {
        return segment.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
    }
}
