package dev.overtune.graph;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

/**
 * A tensor flowing through a graph: a graph input, a constant, or the output of one node.
 * Identity is by object; {@link #id()} orders values by creation.
 */
public final class Value {
    public enum Kind { INPUT, CONSTANT, NODE }

    private final int id;
    private final Kind kind;
    private final DType dtype;
    private final Shape shape;
    private final String name;
    private final Constant constant;
    private Node producer;

    Value(int id, Kind kind, DType dtype, Shape shape, String name, Constant constant) {
        this.id = id;
        this.kind = kind;
        this.dtype = dtype;
        this.shape = shape;
        this.name = name;
        this.constant = constant;
    }

    public int id() {
        return id;
    }

    public Kind kind() {
        return kind;
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    /** The input's name, a constant's name, or null for node outputs. */
    public String name() {
        return name;
    }

    /** The data of a constant, or null. */
    public Constant constant() {
        return constant;
    }

    /** The node that computes this value, or null for inputs and constants. */
    public Node producer() {
        return producer;
    }

    void setProducer(Node node) {
        this.producer = node;
    }

    @Override
    public String toString() {
        return (name != null ? name : "v" + id) + ":" + dtype + shape;
    }
}
