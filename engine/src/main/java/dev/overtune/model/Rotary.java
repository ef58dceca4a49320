package dev.overtune.model;

import dev.overtune.graph.Constant;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

/**
 * Rotary position embedding as Hugging Face applies it ({@code rotate_half}): in the first
 * {@code dims} features of each head, feature j is paired with j + dims/2 and the pair is rotated by
 * position * base^(-2j/dims). The cos/sin tables are constants of one graph, shared by its layers.
 */
final class Rotary {
    private final int dims;
    private final Value cos;
    private final Value sin;

    private Rotary(int dims, Value cos, Value sin) {
        this.dims = dims;
        this.cos = cos;
        this.sin = sin;
    }

    /** The tables for positions 0..seq-1, computed in double precision. */
    static Rotary tables(GraphBuilder g, int dims, double base, int seq, DType dtype) {
        if (dims <= 0 || dims % 2 != 0) {
            throw new IllegalArgumentException("rotary dims must be positive and even, got " + dims);
        }
        int half = dims / 2;
        double[] cos = new double[seq * dims];
        double[] sin = new double[seq * dims];
        for (int t = 0; t < seq; t++) {
            for (int j = 0; j < half; j++) {
                double angle = t * Math.pow(base, -2.0 * j / dims);
                cos[t * dims + j] = cos[t * dims + j + half] = Math.cos(angle);
                sin[t * dims + j] = sin[t * dims + j + half] = Math.sin(angle);
            }
        }
        Shape shape = Shape.of(seq, dims);
        return new Rotary(dims,
                g.constant("rope_cos", dtype, shape, new Constant.Floats(cos)),
                g.constant("rope_sin", dtype, shape, new Constant.Floats(sin)));
    }

    /** Rotates x [B,H,T,hd] (hd >= dims); features past dims pass through unchanged. */
    Value apply(GraphBuilder g, Value x) {
        int hd = x.shape().dim(-1);
        Value rot = dims == hd ? x : g.slice(x, -1, 0, dims);
        int half = dims / 2;
        Value rotatedHalf = g.concat(-1, g.neg(g.slice(rot, -1, half, dims)), g.slice(rot, -1, 0, half));
        Value out = g.add(g.mul(rot, cos), g.mul(rotatedHalf, sin));
        return dims == hd ? out : g.concat(-1, out, g.slice(x, -1, dims, hd));
    }
}
