package dev.overtune.cuda.exec;

import dev.overtune.tensor.DType;

/** How an IR element type is spelt in the generated CUDA C, and its math functions and literals. */
final class CType {
    private CType() {}

    static String of(DType t) {
        return switch (t) {
            case F32 -> "float";
            case F64 -> "double";
            case I64 -> "long long";
            // ONNX Runtime's bool is one byte holding 0 or 1.
            case BOOL -> "unsigned char";
        };
    }

    /** A libm function for this float type: expf for F32, exp for F64. */
    static String math(String name, DType t) {
        return switch (t) {
            case F32 -> name + "f";
            case F64 -> name;
            default -> throw new IllegalArgumentException(name + " of " + t);
        };
    }

    /** A constant of this type: doubles are rounded to float once, as the ONNX emitter's float initialisers are. */
    static String literal(double v, DType t) {
        return switch (t) {
            case F32 -> "((float)" + Double.toString(v) + ")";
            case F64 -> "((double)" + Double.toString(v) + ")";
            case I64 -> "((long long)" + (long) v + "LL)";
            case BOOL -> "((unsigned char)" + (v != 0 ? 1 : 0) + ")";
        };
    }
}
