package dev.overtune.tensor;

import java.util.Arrays;

/** A static tensor shape. Every dimension is known when the graph is built. */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            }
        }
        this.dims = dims;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    public static Shape scalar() {
        return new Shape(new int[0]);
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int axis) {
        return dims[normalizeAxis(axis)];
    }

    public int[] dims() {
        return dims.clone();
    }

    public long[] longDims() {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[i];
        }
        return out;
    }

    public long size() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** Maps a possibly negative axis to [0, rank). */
    public int normalizeAxis(int axis) {
        int a = axis < 0 ? axis + dims.length : axis;
        if (a < 0 || a >= dims.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + this);
        }
        return a;
    }

    public Shape with(int axis, int size) {
        int[] d = dims.clone();
        d[normalizeAxis(axis)] = size;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims).replace(" ", "");
    }
}
