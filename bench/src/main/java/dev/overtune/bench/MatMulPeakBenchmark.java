package dev.overtune.bench;

import dev.overtune.backend.OrtBackend;
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
    static final long FLOPS = MatMulPeak.FLOPS;

    private MatMulPeak peak;

    @Setup
    public void setup() {
        peak = new MatMulPeak(new OrtBackend());
    }

    @Benchmark
    public void matmul() {
        peak.run();
    }

    @TearDown
    public void tearDown() {
        peak.close();
    }
}
