package dev.overtune.cuda.exec;

import dev.overtune.backend.Backend;
import dev.overtune.backend.OrtBackend;
import dev.overtune.graph.Graph;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Runs small graphs through ONNX Runtime and through the host-executed plan, for the unit tests. */
final class PlanRunner {
    private PlanRunner() {}

    /** Random inputs: floats in [-2, 2), int64 in [0, bound), bools at random. */
    static Map<String, HostTensor> randomInputs(Graph graph, Arena arena, long seed, long indexBound) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (Value v : graph.inputs()) {
            HostTensor t = HostTensor.allocate(arena, v.dtype(), v.shape());
            for (long i = 0; i < t.size(); i++) {
                switch (v.dtype()) {
                    case F32, F64 -> t.setDouble(i, random.nextDouble(-2, 2));
                    case I64 -> t.setLong(i, random.nextLong(indexBound));
                    case BOOL -> t.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (random.nextBoolean() ? 1 : 0));
                }
            }
            inputs.put(v.name(), t);
        }
        return inputs;
    }

    static Map<String, HostTensor> ort(Graph graph, Map<String, HostTensor> inputs, Arena arena) {
        Map<String, HostTensor> out = Tensors.outputs(graph, arena);
        try (OrtBackend ort = new OrtBackend(1); Backend.Program p = ort.compile(graph); Backend.Binding b = p.bind(inputs, out)) {
            b.run();
        }
        return out;
    }

    static Map<String, HostTensor> host(Graph graph, Map<String, HostTensor> inputs, Arena arena) throws Exception {
        return host(GraphLowering.lower(graph), inputs, arena);
    }

    static Map<String, HostTensor> host(ExecutionPlan plan, Map<String, HostTensor> inputs, Arena arena) throws Exception {
        Graph graph = plan.graph();
        Map<String, HostTensor> out = Tensors.outputs(graph, arena);
        try (HostExecutor host = new HostExecutor(plan, HostLibrary.compile(plan))) {
            host.run(inputs, out);
        }
        return out;
    }

    /** Max relative error of every output against ONNX Runtime, by name (bool and int64 outputs: 0 or 1 for any difference). */
    static Map<String, Double> errors(Graph graph, Map<String, HostTensor> inputs, Arena arena) throws Exception {
        Map<String, HostTensor> expected = ort(graph, inputs, arena);
        Map<String, HostTensor> actual = host(graph, inputs, arena);
        Map<String, Double> errors = new LinkedHashMap<>();
        for (Map.Entry<String, Value> e : graph.outputs().entrySet()) {
            HostTensor a = actual.get(e.getKey());
            HostTensor x = expected.get(e.getKey());
            errors.put(e.getKey(), e.getValue().dtype().isFloat() ? Tensors.relativeError(a, x) : exactDifference(a, x, e.getValue().dtype()));
        }
        return errors;
    }

    private static double exactDifference(HostTensor a, HostTensor b, DType dtype) {
        return a.segment().mismatch(b.segment()) == -1 ? 0 : 1;
    }
}
