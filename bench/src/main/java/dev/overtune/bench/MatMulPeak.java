package dev.overtune.bench;

import dev.overtune.backend.Backend;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;

import java.lang.foreign.Arena;
import java.util.Map;
import java.util.SplittableRandom;

/** One float32 1024³ MatMul as a one-node graph on a backend: the machine's achievable matmul rate. */
public final class MatMulPeak implements AutoCloseable {
    public static final int N = 1024;
    public static final long FLOPS = 2L * N * N * N;

    private final Arena arena = Arena.ofShared();
    private final Backend.Program program;
    private final Backend.Binding binding;

    public MatMulPeak(Backend backend) {
        GraphBuilder g = new GraphBuilder("matmul_peak");
        Shape square = Shape.of(N, N);
        g.output("c", g.matmul(g.input("a", DType.F32, square), g.input("b", DType.F32, square)));
        program = backend.compile(g.build());
        HostTensor c = HostTensor.allocate(arena, DType.F32, square);
        binding = program.bind(Map.of("a", random(square, 1), "b", random(square, 2)), Map.of("c", c));
    }

    private HostTensor random(Shape shape, long seed) {
        HostTensor t = HostTensor.allocate(arena, DType.F32, shape);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < t.size(); i++) {
            t.setFloat(i, (float) rnd.nextDouble(-1, 1));
        }
        return t;
    }

    public void run() {
        binding.run();
    }

    @Override
    public void close() {
        binding.close();
        program.close();
        arena.close();
    }
}
