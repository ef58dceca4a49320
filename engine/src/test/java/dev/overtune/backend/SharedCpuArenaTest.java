package dev.overtune.backend;

import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared arena is registered through ONNX Runtime's C API by slot number: a wrong slot or
 * signature fails registration (or crashes), so this checks it took, and that sessions using it
 * still compute, including two sessions drawing on it in turn.
 */
class SharedCpuArenaTest {
    @Test
    void registersOnceAndSessionsComputeFromIt() {
        OrtBackend backend = new OrtBackend(2);
        assertTrue(backend.memoryArena().startsWith("one arena shared"), backend.memoryArena());
        assertNull(SharedCpuArena.failure());

        GraphBuilder g = new GraphBuilder("square_sum");
        Value x = g.input("x", DType.F32, Shape.of(256, 256));
        g.output("y", g.matmul(x, x));
        GraphBuilder h = new GraphBuilder("exp");
        Value z = h.input("x", DType.F32, Shape.of(256, 256));
        h.output("y", h.exp(z));
        try (Arena arena = Arena.ofConfined();
             Backend.Program square = backend.compile(g.build());
             Backend.Program exp = backend.compile(h.build())) {
            HostTensor in = HostTensor.allocate(arena, DType.F32, Shape.of(256, 256));
            HostTensor sq = HostTensor.allocate(arena, DType.F32, Shape.of(256, 256));
            HostTensor ex = HostTensor.allocate(arena, DType.F32, Shape.of(256, 256));
            in.fill(0.5);
            try (Backend.Binding a = square.bind(Map.of("x", in), Map.of("y", sq));
                 Backend.Binding b = exp.bind(Map.of("x", in), Map.of("y", ex))) {
                for (int i = 0; i < 3; i++) {
                    a.run();
                    b.run();
                }
            }
            assertEquals(64.0f, sq.getFloat(12345), 0f);
            assertEquals((float) Math.exp(0.5), ex.getFloat(777), 1e-6f);
        }
        assertTrue(SharedCpuArena.register(null), "a second registration is a no-op that reports success");
    }
}
