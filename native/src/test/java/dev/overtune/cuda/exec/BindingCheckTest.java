package dev.overtune.cuda.exec;

import dev.overtune.backend.Backend;
import dev.overtune.backend.BackendException;
import dev.overtune.backend.OrtBackend;
import dev.overtune.graph.Graph;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A bad binding fails with the same one line on the CUDA path as on ONNX Runtime. */
class BindingCheckTest {
    private static Graph graph() {
        GraphBuilder g = new GraphBuilder("tiny");
        Value x = g.input("x", DType.F32, Shape.of(2, 3));
        g.output("y", g.exp(x));
        return g.build();
    }

    private static String ortMessage(Graph graph, Map<String, HostTensor> in, Map<String, HostTensor> out) {
        try (OrtBackend ort = new OrtBackend(1); Backend.Program p = ort.compile(graph)) {
            return assertThrows(BackendException.class, () -> p.bind(in, out).close()).getMessage();
        }
    }

    private static String cudaPathMessage(Graph graph, Map<String, HostTensor> in, Map<String, HostTensor> out) {
        Consumer<Void> check = ignored -> {
            for (Value v : graph.inputs()) {
                HostTensor t = BindingCheck.input(graph, v, in);
                BindingCheck.matches(graph, "input", v.name(), v, t.dtype(), t.shape());
            }
            for (Map.Entry<String, HostTensor> e : out.entrySet()) {
                Value v = BindingCheck.output(graph, e.getKey());
                BindingCheck.matches(graph, "output", e.getKey(), v, e.getValue().dtype(), e.getValue().shape());
            }
        };
        return assertThrows(BackendException.class, () -> check.accept(null)).getMessage();
    }

    @Test
    void messagesMirrorOnnxRuntime() {
        Graph graph = graph();
        try (Arena arena = Arena.ofConfined()) {
            HostTensor good = HostTensor.allocate(arena, DType.F32, Shape.of(2, 3));
            HostTensor wrong = HostTensor.allocate(arena, DType.F32, Shape.of(3, 2));
            Map<String, Map<String, HostTensor>[]> cases = Map.of(
                    "missing input", pair(Map.of(), Map.of()),
                    "wrong input shape", pair(Map.of("x", wrong), Map.of()),
                    "unknown output", pair(Map.of("x", good), Map.of("z", good)),
                    "wrong output shape", pair(Map.of("x", good), Map.of("y", wrong)));
            cases.forEach((what, c) -> assertEquals(ortMessage(graph, c[0], c[1]), cudaPathMessage(graph, c[0], c[1]), what));
            assertEquals("graph 'tiny' needs input 'x' F32[2,3], which was not given", cudaPathMessage(graph, Map.of(), Map.of()));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, HostTensor>[] pair(Map<String, HostTensor> in, Map<String, HostTensor> out) {
        return new Map[] {in, out};
    }
}
