package dev.overtune.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A finished graph: inputs, constants, nodes in topological order, and named outputs. */
public record Graph(String name, List<Value> inputs, List<Value> constants, List<Node> nodes, Map<String, Value> outputs) {
    public Graph {
        inputs = List.copyOf(inputs);
        constants = List.copyOf(constants);
        nodes = List.copyOf(nodes);
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    }

    public Value input(String inputName) {
        for (Value v : inputs) {
            if (v.name().equals(inputName)) {
                return v;
            }
        }
        throw new IllegalArgumentException("graph '" + name + "' has no input '" + inputName + "'");
    }

    /** Nodes grouped by op name with counts: a quick description for logs and manifests. */
    public Map<String, Integer> opCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Node n : nodes) {
            counts.merge(n.op().name(), 1, Integer::sum);
        }
        return counts;
    }

    public List<String> outputNames() {
        return new ArrayList<>(outputs.keySet());
    }
}
