package dev.overtune.bench.cuda;

import dev.overtune.cuda.driver.Outcome;
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

/**
 * Call overhead of overtune's FFM CUDA bindings against JCuda's JNI ones: a 4 KiB host-to-device
 * copy and an empty kernel launch, each synchronised. Without a GPU (or with JCuda unable to load)
 * the setup prints one line saying why and the affected benchmarks return at once; their timings
 * then measure nothing, and {@link CudaCallMain} reports them as not run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class CudaCallBenchmark {
    private CudaCalls ffm;
    private CudaCalls jcuda;

    @Setup
    public void setup() {
        ffm = opened("FFM", FfmCalls.open());
        jcuda = opened("JCuda", JCudaCalls.open());
    }

    private static CudaCalls opened(String binding, Outcome<CudaCalls> calls) {
        if (!calls.available()) {
            System.out.println("CudaCallBenchmark: " + binding + " benchmarks skipped: " + calls.reason());
            return null;
        }
        return calls.orElseThrow();
    }

    @Benchmark
    public void ffmCopy4KiB() {
        if (ffm != null) {
            ffm.copy4KiB();
        }
    }

    @Benchmark
    public void jcudaCopy4KiB() {
        if (jcuda != null) {
            jcuda.copy4KiB();
        }
    }

    @Benchmark
    public void ffmEmptyLaunch() {
        if (ffm != null) {
            ffm.emptyLaunch();
        }
    }

    @Benchmark
    public void jcudaEmptyLaunch() {
        if (jcuda != null) {
            jcuda.emptyLaunch();
        }
    }

    @TearDown
    public void tearDown() {
        if (jcuda != null) {
            jcuda.close();
        }
        if (ffm != null) {
            ffm.close();
        }
    }
}
