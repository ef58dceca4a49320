package dev.overtune.cuda.exec;

import dev.overtune.backend.BackendException;
import dev.overtune.graph.Graph;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

import java.util.Map;

/** The checks every binding makes, with OrtBackend's messages, so both backends fail alike. */
final class BindingCheck {
    private BindingCheck() {}

    /** The tensor given for each graph input, in graph order; a missing one is named with its type. */
    static <T> T input(Graph graph, Value v, Map<String, T> given) {
        T t = given.get(v.name());
        if (t == null) {
            throw new BackendException("graph '" + graph.name() + "' needs input '" + v.name() + "' " + v.dtype() + v.shape() + ", which was not given");
        }
        return t;
    }

    static Value output(Graph graph, String name) {
        Value v = graph.outputs().get(name);
        if (v == null) {
            throw new BackendException("graph '" + graph.name() + "' has no output '" + name + "'; it has " + graph.outputNames());
        }
        return v;
    }

    static void matches(Graph graph, String what, String name, Value v, DType dtype, Shape shape) {
        if (dtype != v.dtype() || !shape.equals(v.shape())) {
            throw new BackendException("graph '" + graph.name() + "' " + what + " '" + name + "' is " + v.dtype() + v.shape() + ", got " + dtype + shape);
        }
    }
}
