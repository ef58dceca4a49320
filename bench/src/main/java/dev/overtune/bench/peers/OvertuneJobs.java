package dev.overtune.bench.peers;

import dev.overtune.backend.OrtBackend;
import dev.overtune.bench.FixedBatch;
import dev.overtune.bench.MatMulPeak;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Perturbations;
import dev.overtune.probe.Quantization;
import dev.overtune.train.AdamW;
import dev.overtune.train.Evaluator;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;

import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * overtune's side of each {@link Job}, through the engine's public API. Everything a job needs is
 * built on its first call (so each row's peak memory is what its job adds) and kept for the next.
 */
final class OvertuneJobs implements AutoCloseable {
    static final double NOISE_GAMMA = 1.0;
    static final long NOISE_SEED = 17;
    static final Quantization INT8_PER_CHANNEL = new Quantization(8, 0);

    private final LanguageModel model;
    private final Path checkpoint;
    private final int batch;
    private final int seq;
    private final OrtBackend backend;
    private final Arena arena = Arena.ofShared();
    private final ParamStore params;
    private final Perturbations perturbations;
    private int noiseSamples;
    private Evaluator evaluator;
    private Trainer trainer;
    private ParamStore base;
    private MatMulPeak peak;

    OvertuneJobs(LanguageModel model, Path checkpoint, int batch, int seq, int threads) {
        this.model = model;
        this.checkpoint = checkpoint;
        this.batch = batch;
        this.seq = seq;
        this.backend = new OrtBackend(threads);
        this.params = ParamStore.allocate(arena, model.params());
        this.perturbations = new Perturbations(threads);
        load(1);
    }

    int batch() {
        return batch;
    }

    int seq() {
        return seq;
    }

    int threads() {
        return backend.threads();
    }

    String memoryArena() {
        return backend.memoryArena();
    }

    long paramCount() {
        return params.size();
    }

    /** Runs the job {@code count} times; the loss of the last run, NaN where the job computes none. */
    double run(Job job, int count) {
        double loss = Double.NaN;
        for (int i = 0; i < count; i++) {
            loss = switch (job) {
                case TRAIN -> trainer().step().loss();
                case EVAL -> eval();
                case NOISE -> {
                    perturbations.addNoise(base(), params, NoiseScale.INIT, NOISE_GAMMA, NOISE_SEED, noiseSamples++);
                    yield eval();
                }
                case QUANT -> {
                    perturbations.quantize(base(), params, INT8_PER_CHANNEL, model::outputAxis);
                    yield eval();
                }
                case LOAD -> load(1);
                case PEAK -> {
                    peak().run();
                    yield Double.NaN;
                }
                case SCAN -> throw new IllegalArgumentException("the scan protocol runs in a scan worker (bin/bench-peers --job scan)");
            };
        }
        return loss;
    }

    private double eval() {
        Evaluator e = evaluator();
        e.run();
        return e.nllSum() / e.weightSum();
    }

    private double load(int count) {
        for (int i = 0; i < count; i++) {
            try (ShardedCheckpoint c = ShardedCheckpoint.open(checkpoint)) {
                ModelWeights.load(c, model, params);
            }
        }
        return Double.NaN;
    }

    private Evaluator evaluator() {
        if (evaluator == null) {
            evaluator = new Evaluator(backend, model, params, batch, seq, arena);
            FixedBatch.fill(evaluator.batch(), model.vocabSize());
        }
        return evaluator;
    }

    private Trainer trainer() {
        if (trainer == null) {
            // A constant, small rate: many steps on one batch must not diverge. The schedule costs nothing either way.
            TrainConfig config = new TrainConfig(batch, seq, new LrSchedule(1e-4, 1e-4, 0, Long.MAX_VALUE), AdamW.Config.defaults(), 1.0);
            trainer = new Trainer(backend, model, params, config, arena);
            FixedBatch.fill(trainer.batch(), model.vocabSize());
        }
        return trainer;
    }

    /** The weights the probes perturb: a copy of the parameters as they were on the first probe. */
    private ParamStore base() {
        if (base == null) {
            base = ParamStore.allocate(arena, model.params());
            base.copyFrom(params);
        }
        return base;
    }

    private MatMulPeak peak() {
        if (peak == null) {
            peak = new MatMulPeak(backend);
        }
        return peak;
    }

    /** How the probes perturb, for the table's notes. */
    String probes() {
        return "dev.overtune.probe.Perturbations on " + threads() + " threads: Philox normals x init std (gamma "
                + NOISE_GAMMA + "); " + INT8_PER_CHANNEL.label() + " round-to-nearest";
    }

    @Override
    public void close() {
        perturbations.close();
        if (trainer != null) {
            trainer.close();
        }
        if (evaluator != null) {
            evaluator.close();
        }
        if (peak != null) {
            peak.close();
        }
        arena.close();
    }
}
