package dev.overtune.checkpoint;

import dev.overtune.tensor.DType;

import java.util.Optional;

/**
 * The dtype names a safetensors header may use. Supported ones carry their element size and the
 * {@link DType} overtune hands out; the rest are recognised so they can be refused by name.
 */
enum SafetensorsDtype {
    F32(4, DType.F32),
    F16(2, DType.F32),
    BF16(2, DType.F32),
    F64(8, DType.F64),
    I64(8, DType.I64),
    BOOL(1, DType.BOOL),
    I32, I16, I8, U8, U16, U32, U64, F8_E4M3, F8_E5M2;

    static final String SUPPORTED = "F32, F16, BF16, F64, I64, BOOL";

    private final int byteSize;
    private final DType loadedAs;

    SafetensorsDtype() {
        this(0, null);
    }

    SafetensorsDtype(int byteSize, DType loadedAs) {
        this.byteSize = byteSize;
        this.loadedAs = loadedAs;
    }

    static Optional<SafetensorsDtype> named(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    static SafetensorsDtype of(DType dtype) {
        return switch (dtype) {
            case F32 -> F32;
            case F64 -> F64;
            case I64 -> I64;
            case BOOL -> BOOL;
        };
    }

    boolean supported() {
        return loadedAs != null;
    }

    int byteSize() {
        return byteSize;
    }

    /** The dtype of the tensor overtune returns: half precisions are widened to F32. */
    DType loadedAs() {
        return loadedAs;
    }

    boolean needsWidening() {
        return this == F16 || this == BF16;
    }
}
