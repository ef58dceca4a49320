package dev.overtune.graph;

/** Element types a graph value can have. */
public enum DType {
    F32(4), F64(8), I64(8), BOOL(1),
    /** bfloat16: device-resident compute copies of FP32 parameters only; host tensors and checkpoints stay F32. */
    BF16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloat() {
        return this == F32 || this == F64 || this == BF16;
    }
}
