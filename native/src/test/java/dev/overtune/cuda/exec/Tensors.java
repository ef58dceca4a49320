package dev.overtune.cuda.exec;

import dev.overtune.graph.Graph;
import dev.overtune.graph.Value;
import dev.overtune.tensor.HostTensor;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helpers: output tensors for a graph, and the error measure the engine's reference tests use. */
final class Tensors {
    private Tensors() {}

    static Map<String, HostTensor> outputs(Graph graph, Arena arena) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Value> e : graph.outputs().entrySet()) {
            out.put(e.getKey(), HostTensor.allocate(arena, e.getValue().dtype(), e.getValue().shape()));
        }
        return out;
    }

    /** max |ours - ref| / max |ref| over a tensor (NaN anywhere makes it NaN, which no bound accepts). */
    static double relativeError(HostTensor ours, HostTensor ref) {
        double maxDiff = 0;
        double maxRef = 0;
        for (long i = 0; i < ref.size(); i++) {
            double a = ours.getDouble(i);
            double b = ref.getDouble(i);
            if (Double.isNaN(a) || Double.isNaN(b)) {
                return Double.NaN;
            }
            maxDiff = Math.max(maxDiff, Math.abs(a - b));
            maxRef = Math.max(maxRef, Math.abs(b));
        }
        return maxDiff / Math.max(maxRef, 1e-30);
    }
}
