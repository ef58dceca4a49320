package dev.overtune.graph;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

import java.util.Arrays;

/**
 * The operations of the IR. Each is a small record holding its attributes; shapes are checked by
 * {@link GraphBuilder}, gradients come from {@code dev.overtune.autodiff}, ONNX from {@code dev.overtune.onnx}.
 */
public sealed interface Op {
    default String name() {
        return getClass().getSimpleName();
    }

    // Elementwise, with numpy broadcasting for the binary ones.
    record Add() implements Op {}
    record Sub() implements Op {}
    record Mul() implements Op {}
    record Div() implements Op {}
    record Neg() implements Op {}
    record Exp() implements Op {}
    record Log() implements Op {}
    record Sqrt() implements Op {}
    record Tanh() implements Op {}
    record Erf() implements Op {}
    /** GELU: exact 0.5·x·(1 + erf(x/√2)), or GPT-2's tanh approximation ("gelu_new"). */
    record Gelu(boolean tanhApproximation) implements Op {}
    /** cond ? a : b, broadcasting. */
    record Where() implements Op {}
    /** Boolean a == b, broadcasting. */
    record Equal() implements Op {}
    record Cast(DType to) implements Op {}

    /** Matrix product over the last two axes, batch axes broadcast as in numpy.matmul. */
    record MatMul() implements Op {}

    record ReduceSum(int[] axes, boolean keepDims) implements Op {
        @Override public boolean equals(Object o) { return o instanceof ReduceSum r && Arrays.equals(axes, r.axes) && keepDims == r.keepDims; }
        @Override public int hashCode() { return Arrays.hashCode(axes) * 31 + Boolean.hashCode(keepDims); }
        @Override public String toString() { return "ReduceSum" + Arrays.toString(axes) + (keepDims ? " keep" : ""); }
    }
    record ReduceMean(int[] axes, boolean keepDims) implements Op {
        @Override public boolean equals(Object o) { return o instanceof ReduceMean r && Arrays.equals(axes, r.axes) && keepDims == r.keepDims; }
        @Override public int hashCode() { return Arrays.hashCode(axes) * 31 + Boolean.hashCode(keepDims); }
        @Override public String toString() { return "ReduceMean" + Arrays.toString(axes) + (keepDims ? " keep" : ""); }
    }
    record ReduceMax(int[] axes, boolean keepDims) implements Op {
        @Override public boolean equals(Object o) { return o instanceof ReduceMax r && Arrays.equals(axes, r.axes) && keepDims == r.keepDims; }
        @Override public int hashCode() { return Arrays.hashCode(axes) * 31 + Boolean.hashCode(keepDims); }
        @Override public String toString() { return "ReduceMax" + Arrays.toString(axes) + (keepDims ? " keep" : ""); }
    }

    record Softmax(int axis) implements Op {}
    record LogSoftmax(int axis) implements Op {}

    /** LayerNorm over the last axis: inputs x, scale, bias. */
    record LayerNorm(double epsilon) implements Op {}

    /** Rows of data (axis 0) picked by int64 indices: output shape = indices.shape + data.shape[1:]. */
    record Gather() implements Op {}
    /** Gradient of {@link Gather}: inputs indices, dOut; output zeros(rows, ...) with dOut rows added at indices. */
    record ScatterAddRows(int rows) implements Op {}
    /**
     * Inputs x [N, V], int64 targets [N] and values [N]: x with values[i] added at column targets[i],
     * rows whose target equals ignoreIndex left alone. The cross-entropy gradient's "minus one-hot".
     */
    record AddAtTargets(long ignoreIndex) implements Op {}
    /** Float one-hot of int64 indices along a new last axis of the given depth. */
    record OneHot(int depth, DType dtype) implements Op {}
    /**
     * Per-row negative log-likelihood: inputs logits [N, V] and int64 targets [N]; output [N],
     * zero where the target equals ignoreIndex.
     */
    record SoftmaxCrossEntropy(long ignoreIndex) implements Op {}

    record Reshape(Shape to) implements Op {}
    record Transpose(int[] perm) implements Op {
        @Override public boolean equals(Object o) { return o instanceof Transpose t && Arrays.equals(perm, t.perm); }
        @Override public int hashCode() { return Arrays.hashCode(perm); }
        @Override public String toString() { return "Transpose" + Arrays.toString(perm); }
    }
    /** Elements [start, end) along one axis. */
    record Slice(int axis, int start, int end) implements Op {}
    /** Zero padding along one axis. */
    record Pad(int axis, int before, int after) implements Op {}
    record Concat(int axis) implements Op {}
    /** Broadcasts the input to a shape. */
    record Expand(Shape to) implements Op {}
    /** A tensor of zeros (no inputs). */
    record Zeros(Shape shape, DType dtype) implements Op {}

    /** Looks up an op by name for textual graphs; an unknown name is a build error. */
    static Class<? extends Op> byName(String name) {
        for (Class<?> c : Op.class.getPermittedSubclasses()) {
            if (c.getSimpleName().equals(name)) {
                @SuppressWarnings("unchecked")
                Class<? extends Op> op = (Class<? extends Op>) c;
                return op;
            }
        }
        throw new GraphException("unknown op '" + name + "': the IR has " + Arrays.stream(Op.class.getPermittedSubclasses()).map(Class::getSimpleName).toList());
    }
}
