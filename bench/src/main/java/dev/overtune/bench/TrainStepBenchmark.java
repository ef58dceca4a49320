package dev.overtune.bench;

import dev.overtune.backend.OrtBackend;
import dev.overtune.data.Batch;
import dev.overtune.data.BatchSource;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.train.AdamW;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.StepResult;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** One full training step (forward+backward on ONNX Runtime, clipping, AdamW) on a fixed random batch. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class TrainStepBenchmark {
    static final int BATCH = 8;
    // The batch never changes: the step's cost does not depend on the token values.
    private static final BatchSource SAME_BATCH = (batch, step) -> {};

    @Param({"tiny", "small"})
    public String model;

    private Arena arena;
    private Trainer trainer;

    /** Sequence length per preset: the full context of each. */
    static int seqLen(String preset) {
        return switch (preset) {
            case "tiny" -> 64;
            case "small" -> 256;
            default -> throw new IllegalArgumentException("no benchmark shape for preset '" + preset + "'");
        };
    }

    @Setup
    public void setup() {
        // Shared, since JMH does not promise to run setup and iterations on the same thread.
        arena = Arena.ofShared();
        LanguageModel m = ModelConfigs.resolve(model);
        ParamStore params = ParamStore.allocate(arena, m.params());
        params.initialize(42);
        // A constant, small rate: the benchmark may take hundreds of steps on one batch and must not diverge.
        TrainConfig config = new TrainConfig(BATCH, seqLen(model), new LrSchedule(1e-4, 1e-4, 0, Long.MAX_VALUE),
                AdamW.Config.defaults(), 1.0);
        trainer = new Trainer(new OrtBackend(), m, params, config, arena);
        Batch b = trainer.batch();
        SplittableRandom rnd = new SplittableRandom(7);
        for (long i = 0; i < b.inputIds().size(); i++) {
            b.inputIds().setLong(i, rnd.nextInt(m.vocabSize()));
            b.targets().setLong(i, rnd.nextInt(m.vocabSize()));
        }
        b.lossMask().fill(1.0);
    }

    @Benchmark
    public StepResult step() {
        return trainer.step(SAME_BATCH);
    }

    @TearDown
    public void tearDown() {
        trainer.close();
        arena.close();
    }
}
