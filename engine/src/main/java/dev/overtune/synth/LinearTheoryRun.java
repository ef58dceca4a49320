package dev.overtune.synth;

import dev.overtune.backend.Backend;
import dev.overtune.pretrain.Budgets;
import dev.overtune.pretrain.PretrainListener;
import dev.overtune.pretrain.PretrainManifest;
import dev.overtune.pretrain.PretrainRun;
import dev.overtune.pretrain.SeriesPlan;
import dev.overtune.probe.NoiseScale;
import dev.overtune.scan.Scan;
import dev.overtune.scan.ScanCheckpoint;
import dev.overtune.scan.ScanCheckpoints;
import dev.overtune.scan.ScanListener;
import dev.overtune.scan.ScanSettings;
import dev.overtune.scan.TextTask;
import dev.overtune.scan.UnitResult;
import dev.overtune.series.CheckpointSeries;
import dev.overtune.synth.LinearTheory.Alignment;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The linear theory's whole experiment through the engine's ordinary path: {@link PretrainRun} writes a
 * gradient-descent series of the linear network on text from A into {@code OUT/series}, then
 * {@link Scan} measures it once per fine-tuning task into {@code OUT/<task>.db} (misaligned and
 * aligned). Both are resumable like any series and store; the report is {@code overtune report} on a
 * store. About 30 s of CPU time in all.
 */
public final class LinearTheoryRun {
    /**
     * 1,000 tokens a step (20 × 50) at gradient-descent rate 1: checkpoints at 100, 200, ..., 12,800 steps.
     * Denser past 6,400 steps, the aligned task's post-fine-tuning loss is flat within the pre-training
     * wobble (±0.002), which the bootstrap verdict of today calls an inflection (see the README).
     */
    public static final Budgets BUDGETS = Budgets.parse("100K,200K,400K,800K,1600K,3200K,6400K,12800K");
    public static final int BATCH = 20;
    public static final int SEQ_LEN = 50;
    public static final double GD_RATE = 1.0;
    public static final int TRAIN_TOKENS = 1_000_000;
    public static final int HELD_OUT_TOKENS = 65_536;
    public static final int TASK_TOKENS = 250_000;
    public static final List<Double> FINE_TUNE_LRS = List.of(0.003, 0.01, 0.03);
    public static final List<Long> FINE_TUNE_SEEDS = List.of(0L, 1L, 2L);
    /** Noise of fixed size, as the theory has it: N(0, γ²) on every weight whatever its init. */
    public static final double NOISE_GAMMA = 0.3;
    /** The loss increase under one draw is skewed (its sd is about 0.6 of its mean here), so average several. */
    public static final int NOISE_SAMPLES = 8;

    private LinearTheoryRun() {}

    /** What the run wrote: the series' manifest and, per task, its store and every unit in it. */
    public record Outcome(PretrainManifest series, Map<Alignment, Path> stores, Map<Alignment, List<UnitResult>> results) {}

    public static Outcome run(Backend backend, LinearTheory theory, Path out, int threads, PretrainListener pretrainListener,
                              ScanListener scanListener) {
        Path seriesDir = out.resolve("series");
        PretrainManifest manifest = PretrainRun.run(backend, theory.model(),
                SeriesPlan.of(LinearTheory.gradientDescent(BUDGETS, BATCH, SEQ_LEN, GD_RATE, 1)),
                theory.pretrainData(TRAIN_TOKENS, HELD_OUT_TOKENS),
                new PretrainRun.Options(seriesDir, "linear-theory", true, 1_000), pretrainListener);
        List<ScanCheckpoint> checkpoints = ScanCheckpoints.of(CheckpointSeries.discover(seriesDir, OptionalLong.empty()));
        // The same held-out sample pre-training evaluated on: the OOD loss is the pre-training loss.
        int[] ood = theory.pretrainTokens(HELD_OUT_TOKENS, LinearTheory.HELD_OUT_STREAM);
        Map<Alignment, Path> stores = new LinkedHashMap<>();
        Map<Alignment, List<UnitResult>> results = new LinkedHashMap<>();
        for (Alignment alignment : Alignment.values()) {
            String name = alignment.name().toLowerCase(Locale.ROOT);
            Path store = out.resolve(name + ".db");
            TextTask task = new TextTask("linear-theory-" + name, theory.fineTuneTokens(alignment, TASK_TOKENS, 3));
            results.put(alignment, Scan.builder().series(checkpoints).task(task).ood(ood).settings(scanSettings(threads))
                    .store(store).backend(backend).listener(scanListener).run().results());
            stores.put(alignment, store);
        }
        return new Outcome(manifest, stores, results);
    }

    /** Fixed learning rates × 3 seeds of AdamW without weight decay or anchoring; noise of fixed size; no quantisation. */
    public static ScanSettings scanSettings(int threads) {
        return new ScanSettings(
                new ScanSettings.Eval(16, 64, 64),
                new ScanSettings.FineTune(FINE_TUNE_LRS, FINE_TUNE_SEEDS, 40, 16, 64, 4, 0.0, 0.0),
                new ScanSettings.Noise(NoiseScale.ABSOLUTE, List.of(NOISE_GAMMA), NOISE_SAMPLES, 1000),
                new ScanSettings.Quant(List.of()),
                threads);
    }
}
