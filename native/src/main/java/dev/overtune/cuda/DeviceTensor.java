package dev.overtune.cuda;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

/**
 * A tensor in device memory: a CUdeviceptr with its element type and shape. It owns nothing; the
 * {@link DeviceMemory} it points into does, and must outlive it.
 */
public record DeviceTensor(long pointer, DType dtype, Shape shape) {
    public DeviceTensor {
        if (pointer == 0) {
            throw new IllegalArgumentException("a device tensor needs a non-null pointer (" + dtype + shape + ")");
        }
    }

    /** The whole of an allocation, which must hold exactly dtype × shape. */
    public static DeviceTensor of(DeviceMemory memory, DType dtype, Shape shape) {
        return at(memory, 0, dtype, shape);
    }

    /** A tensor at a byte offset inside an allocation, checked to fit. */
    public static DeviceTensor at(DeviceMemory memory, long byteOffset, DType dtype, Shape shape) {
        long bytes = shape.size() * dtype.byteSize();
        if (byteOffset < 0 || byteOffset + bytes > memory.bytes()) {
            throw new IllegalArgumentException(dtype + "" + shape + " (" + bytes + " bytes) at offset " + byteOffset
                    + " does not fit a " + memory.bytes() + "-byte allocation");
        }
        return new DeviceTensor(memory.pointer() + byteOffset, dtype, shape);
    }

    public long bytes() {
        return shape.size() * dtype.byteSize();
    }
}
