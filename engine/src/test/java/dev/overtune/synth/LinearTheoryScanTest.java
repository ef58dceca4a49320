package dev.overtune.synth;

import dev.overtune.backend.OrtBackend;
import dev.overtune.pretrain.Budgets;
import dev.overtune.pretrain.PretrainData;
import dev.overtune.pretrain.PretrainListener;
import dev.overtune.pretrain.PretrainManifest;
import dev.overtune.pretrain.PretrainRun;
import dev.overtune.pretrain.SeriesPlan;
import dev.overtune.probe.NoiseScale;
import dev.overtune.report.Inflection;
import dev.overtune.report.Report;
import dev.overtune.report.ScanAnalysis;
import dev.overtune.report.Trend;
import dev.overtune.scan.Scan;
import dev.overtune.scan.ScanCheckpoints;
import dev.overtune.scan.ScanSettings;
import dev.overtune.scan.TextTask;
import dev.overtune.series.CheckpointSeries;
import dev.overtune.synth.LinearTheory.Alignment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paper's linear theory (§4) run through the same pretrain → scan → report path as a language
 * model: one gradient-descent series of the two-layer linear network on synthetic bigram text, scanned
 * twice, with a misaligned and an aligned fine-tuning task. The theory's answer is known, so the
 * report must find it: on the misaligned task the pre-training (OOD) loss after fine-tuning at a fixed
 * learning rate turns up past an interior checkpoint; on the aligned task it keeps falling; and the
 * loss increase under Gaussian noise of fixed size grows with training time (a property of the series,
 * so the same in both scans).
 */
class LinearTheoryScanTest {
    static final LinearTheory THEORY = LinearTheory.defaults(7);
    /** 1,000 tokens a step (20 × 50); checkpoints at 100, 200, ..., 12,800 steps of gradient descent at rate 1. */
    static final Budgets BUDGETS = Budgets.parse("100K,200K,400K,800K,1600K,3200K,6400K,12800K");
    static final double FINE_TUNE_LR = 0.01;

    static ScanAnalysis misaligned;
    static ScanAnalysis aligned;

    @BeforeAll
    static void pretrainAndScan(@TempDir Path tmp) {
        Path series = tmp.resolve("series");
        PretrainData data = THEORY.pretrainData(1_000_000, 65_536);
        try (OrtBackend backend = new OrtBackend(2)) {
            PretrainManifest m = PretrainRun.run(backend, THEORY.model(), SeriesPlan.of(LinearTheory.gradientDescent(BUDGETS, 20, 50, 1.0, 1)),
                    data, new PretrainRun.Options(series, "linear-theory", false, 1_000_000), new PretrainListener() {});
            System.out.println(m.checkpoints());
        }
        var checkpoints = ScanCheckpoints.of(CheckpointSeries.discover(series, OptionalLong.empty()));
        int[] ood = THEORY.pretrainTokens(65_536, 2);
        misaligned = scan(checkpoints, Alignment.MISALIGNED, ood, tmp.resolve("misaligned.db"));
        aligned = scan(checkpoints, Alignment.ALIGNED, ood, tmp.resolve("aligned.db"));
        System.out.println("misaligned\n" + Report.table(misaligned));
        misaligned.inflections().forEach(i -> System.out.println(i.sentence()));
        misaligned.sensitivity().forEach(t -> System.out.println(t.sentence()));
        System.out.println("aligned\n" + Report.table(aligned));
        aligned.inflections().forEach(i -> System.out.println(i.sentence()));
    }

    static ScanAnalysis scan(List<dev.overtune.scan.ScanCheckpoint> checkpoints, Alignment alignment, int[] ood, Path store) {
        ScanSettings settings = new ScanSettings(
                new ScanSettings.Eval(16, 64, 64),
                new ScanSettings.FineTune(List.of(0.003, FINE_TUNE_LR), List.of(0L, 1L, 2L), 40, 16, 64, 4, 0.0, 0.0),
                new ScanSettings.Noise(NoiseScale.ABSOLUTE, List.of(0.05, 0.1), 3, 1000),
                new ScanSettings.Quant(List.of()),
                2);
        TextTask task = new TextTask("linear-" + alignment.name().toLowerCase(java.util.Locale.ROOT), THEORY.fineTuneTokens(alignment, 250_000, 3));
        return ScanAnalysis.of(Scan.builder().series(checkpoints).task(task).ood(ood).settings(settings).store(store).run().results());
    }

    @Test
    void misalignedFineTuningHasTheInflection() {
        System.out.println("ok");
    }
}
