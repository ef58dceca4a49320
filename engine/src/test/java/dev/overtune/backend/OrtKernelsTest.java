package dev.overtune.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which kernels ONNX Runtime runs for a graph, read from its own profile. */
class OrtKernelsTest {
    /** The op types of every kernel a profiled run executed. */
    private static Set<String> kernels(Path profile) throws Exception {
        Set<String> ops = new TreeSet<>();
        for (JsonNode e : new ObjectMapper().readTree(profile.toFile())) {
            if (e.path("cat").asText().equals("Node") && e.path("name").asText().endsWith("_kernel_time")) {
                ops.add(e.path("args").path("op_name").asText());
            }
        }
        return ops;
    }

    @Test
    void aBiasedProjectionRunsAsMatMulAndAddNotGemm(@TempDir Path dir) throws Exception {
        GraphBuilder g = new GraphBuilder("projection");
        Value x = g.input("x", DType.F32, Shape.of(2, 3, 4));
        Value w = g.input("w", DType.F32, Shape.of(4, 5));
        Value b = g.input("b", DType.F32, Shape.of(5));
        g.output("y", g.add(g.matmul(x, w), b));
        OrtBackend backend = OrtBackend.profiling(1, dir.resolve("p"));
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> in = new HashMap<>();
            for (Value v : List.of(x, w, b)) {
                HostTensor t = HostTensor.allocate(arena, DType.F32, v.shape());
                for (long i = 0; i < t.size(); i++) {
                    t.setFloat(i, (float) (0.25 * (i % 7) - 0.5 + v.shape().rank()));
                }
                in.put(v.name(), t);
            }
            HostTensor y = HostTensor.allocate(arena, DType.F32, Shape.of(2, 3, 5));
            try (Backend.Program program = backend.compile(g.build()); Backend.Binding run = program.bind(in, Map.of("y", y))) {
                run.run();
            }
            for (int row = 0; row < 6; row++) {
                for (int col = 0; col < 5; col++) {
                    double expected = in.get("b").getFloat(col);
                    for (int k = 0; k < 4; k++) {
                        expected += in.get("x").getFloat(row * 4 + k) * in.get("w").getFloat(k * 5 + col);
                    }
                    assertEquals(expected, y.getFloat(row * 5 + col), 1e-5, "y[" + row + "][" + col + "]");
                }
            }
        }
        assertEquals(1, backend.profiles().size(), "one profile per closed program");
        Set<String> ops = kernels(backend.profiles().getFirst());
        assertFalse(ops.contains("Gemm"), "MatMulAddFusion is left out, yet the kernels were " + ops);
        assertTrue(ops.contains("Add") && (ops.contains("MatMul") || ops.contains("FusedMatMul")), "kernels " + ops);
    }
}
