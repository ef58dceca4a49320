package dev.overtune.tensor;

/** Element types a graph value can have. */
public enum DType {
    F32(4), F64(8), I64(8), BOOL(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloat() {
        return this == F32 || this == F64;
    }
}
