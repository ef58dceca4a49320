package dev.overtune.model;

import dev.overtune.tensor.Shape;

/**
 * One trainable tensor: its Hugging Face name, shape, and how it is initialised. The init std is
 * what the noise probe scales by (the paper's Σ); constant-initialised tensors have std 0.
 */
public record ParamSpec(String name, Shape shape, Init init, double initStd) {
    public enum Init { NORMAL, ONES, ZEROS }

    public static ParamSpec normal(String name, double std, int... dims) {
        return new ParamSpec(name, Shape.of(dims), Init.NORMAL, std);
    }

    public static ParamSpec ones(String name, int... dims) {
        return new ParamSpec(name, Shape.of(dims), Init.ONES, 0.0);
    }

    public static ParamSpec zeros(String name, int... dims) {
        return new ParamSpec(name, Shape.of(dims), Init.ZEROS, 0.0);
    }

    /** Weight decay applies to matrices and embeddings, not to biases and norm gains. */
    public boolean decays() {
        return shape.rank() >= 2;
    }
}
