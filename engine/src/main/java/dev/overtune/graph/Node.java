package dev.overtune.graph;

import java.util.List;

/** One operation: {@code output = op(inputs)}. Nodes are created only by {@link GraphBuilder}. */
public record Node(int id, String name, Op op, List<Value> inputs, Value output) {
    public Value input(int i) {
        return inputs.get(i);
    }

    @Override
    public String toString() {
        return name + " (" + op.name() + ")";
    }
}
