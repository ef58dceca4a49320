package dev.overtune.bench;

import dev.overtune.backend.Backend;
import dev.overtune.backend.HostTensor;
import dev.overtune.backend.OrtBackend;
import dev.overtune.graph.DType;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Shape;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** A single 1024³ float32 MatMul on ONNX Runtime, same threads as training: the machine's achievable matmul rate. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
// Many short iterations: the peak is the fastest one, and more of them catch more quiet moments.
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class MatMulPeakBenchmark {
    static final int N = 1024;
    static final long FLOPS = 2L * N * N * N;

    private Arena arena;
    private Backend.Program program;
    private Backend.Binding binding;

    @Setup
    public void setup() {
        GraphBuilder g = new GraphBuilder("matmul_peak");
        Shape square = Shape.of(N, N);
        g.output("c", g.matmul(g.input("a", DType.F32, square), g.input("b", DType.F32, square)));
        program = new OrtBackend().compile(g.build());
        arena = Arena.ofShared();
        HostTensor a = random(square, 1);
        HostTensor b = random(square, 2);
        HostTensor c = HostTensor.allocate(arena, DType.F32, square);
        binding = program.bind(Map.of("a", a, "b", b), Map.of("c", c));
    }

    private HostTensor random(Shape shape, long seed) {
        HostTensor t = HostTensor.allocate(arena, DType.F32, shape);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < t.size(); i++) {
            t.setFloat(i, (float) rnd.nextDouble(-1, 1));
        }
        return t;
    }

    @Benchmark
    public void matmul() {
        binding.run();
    }

    @TearDown
    public void tearDown() {
        binding.close();
        program.close();
        arena.close();
    }
}
