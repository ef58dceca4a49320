package dev.overtune.synth;

import dev.overtune.backend.OrtBackend;
import dev.overtune.pretrain.Budgets;
import dev.overtune.pretrain.PretrainListener;
import dev.overtune.pretrain.PretrainManifest;
import dev.overtune.pretrain.PretrainRun;
import dev.overtune.pretrain.PretrainedCheckpoint;
import dev.overtune.pretrain.SeriesPlan;
import dev.overtune.probe.NoiseScale;
import dev.overtune.report.Inflection;
import dev.overtune.report.Report;
import dev.overtune.report.ScanAnalysis;
import dev.overtune.report.Trend;
import dev.overtune.scan.Scan;
import dev.overtune.scan.ScanCheckpoint;
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
import java.util.Locale;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paper's linear theory (§4) through the same pretrain → scan → report path as a language model:
 * one gradient-descent series of the two-layer linear network on synthetic bigram text from the map A
 * (8 checkpoints, 100 to 12,800 steps), scanned twice, with a misaligned and an aligned fine-tuning
 * task (fixed learning-rate grid × 3 seeds, Gaussian noise of fixed size). The theory's answer is
 * known, and the report must find it: on the misaligned task the pre-training (OOD) loss after
 * fine-tuning turns up past an interior checkpoint; on the aligned task it never does; the loss
 * increase under noise of fixed size grows with training time (a property of the series, so the same
 * in both scans). What "finds" means is in {@link Verdicts} alone.
 */
class LinearTheoryScanTest {
    static final LinearTheory THEORY = LinearTheory.defaults(7);
    /** 1,000 tokens a step (20 × 50) of gradient descent at rate 1: checkpoints at 100, 200, ..., 12,800 steps. */
    static final Budgets BUDGETS = Budgets.parse("100K,200K,400K,800K,1600K,3200K,6400K,12800K");
    static final List<Double> FINE_TUNE_LRS = List.of(0.003, 0.01, 0.03);
    /** The rate at which the misaligned task's inflection is clearest (README figures). */
    static final String LARGEST_LR_OOD = "finetune.lr=0.03.ood_loss";
    static final String NOISE = "noise.absolute.gamma=0.3.delta_ood";

    static PretrainManifest manifest;
    static ScanAnalysis misaligned;
    static ScanAnalysis aligned;

    @BeforeAll
    static void pretrainAndScan(@TempDir Path tmp) {
        Path series = tmp.resolve("series");
        long started = System.nanoTime();
        try (OrtBackend backend = new OrtBackend(2)) {
            manifest = PretrainRun.run(backend, THEORY.model(), SeriesPlan.of(LinearTheory.gradientDescent(BUDGETS, 20, 50, 1.0, 1)),
                    THEORY.pretrainData(1_000_000, 65_536), new PretrainRun.Options(series, "linear-theory", false, 1_000_000),
                    new PretrainListener() {});
        }
        double pretrainSeconds = (System.nanoTime() - started) / 1e9;
        List<ScanCheckpoint> checkpoints = ScanCheckpoints.of(CheckpointSeries.discover(series, OptionalLong.empty()));
        int[] ood = THEORY.pretrainTokens(65_536, 2);
        started = System.nanoTime();
        misaligned = scan(checkpoints, Alignment.MISALIGNED, ood, tmp.resolve("misaligned.db"));
        aligned = scan(checkpoints, Alignment.ALIGNED, ood, tmp.resolve("aligned.db"));
        // The figures the README quotes.
        System.out.printf(Locale.ROOT, "linear theory: pre-training %.1f s, two scans %.1f s%n", pretrainSeconds, (System.nanoTime() - started) / 1e9);
        System.out.println("misaligned fine-tuning task\n" + Report.table(misaligned));
        System.out.println("aligned fine-tuning task\n" + Report.table(aligned));
    }

    static ScanAnalysis scan(List<ScanCheckpoint> checkpoints, Alignment alignment, int[] ood, Path store) {
        ScanSettings settings = new ScanSettings(
                new ScanSettings.Eval(16, 64, 64),
                new ScanSettings.FineTune(FINE_TUNE_LRS, List.of(0L, 1L, 2L), 40, 16, 64, 4, 0.0, 0.0),
                new ScanSettings.Noise(NoiseScale.ABSOLUTE, List.of(0.3), 3, 1000),
                new ScanSettings.Quant(List.of()),
                2);
        TextTask task = new TextTask("linear-" + alignment.name().toLowerCase(Locale.ROOT), THEORY.fineTuneTokens(alignment, 250_000, 3));
        return ScanAnalysis.of(Scan.builder().series(checkpoints).task(task).ood(ood).settings(settings).store(store).run().results());
    }

    @Test
    void preTrainingLossKeepsFallingSoEveryRiseAfterFineTuningIsOvertraining() {
        double[] ood = manifest.checkpoints().stream().mapToDouble(PretrainedCheckpoint::oodLoss).toArray();
        assertEquals(BUDGETS.size(), ood.length);
        for (int i = 1; i < ood.length; i++) {
            assertTrue(ood[i] < ood[i - 1], "the base model's held-out loss falls at every checkpoint: " + java.util.Arrays.toString(ood));
        }
    }

    @Test
    void misalignedFineTuningTurnsThePreTrainingLossUpPastAnInteriorCheckpoint() {
        assertTrue(Verdicts.findsInflection(misaligned, LARGEST_LR_OOD), Verdicts.describe(misaligned, LARGEST_LR_OOD));
        Inflection i = misaligned.inflection(LARGEST_LR_OOD).orElseThrow();
        assertTrue(i.minTokens() > BUDGETS.get(0) && i.minTokens() < BUDGETS.get(BUDGETS.size() - 1),
                "the minimum is inside the series, not at an end: " + i.sentence());
    }

    @Test
    void alignedFineTuningHasNoInflectionAtAnyRate() {
        for (String lr : List.of("0.003", "0.01", "0.03")) {
            String metric = "finetune.lr=" + lr + ".ood_loss";
            assertFalse(Verdicts.findsInflection(aligned, metric), Verdicts.describe(aligned, metric));
        }
        assertFalse(Verdicts.findsInflection(aligned, "finetune.tuned.ood_loss"), Verdicts.describe(aligned, "finetune.tuned.ood_loss"));
    }

    @Test
    void sensitivityToNoiseOfFixedSizeGrowsWithTrainingTime() {
        assertTrue(Verdicts.findsGrowth(misaligned, NOISE), Verdicts.describe(misaligned, NOISE));
        // Noise perturbs the pre-trained series, which both scans share: the same finding on the aligned task.
        assertTrue(Verdicts.findsGrowth(aligned, NOISE), Verdicts.describe(aligned, NOISE));
    }

    /**
     * What it means that the report "finds" something, in one place: today the inflection verdict is the
     * bootstrap interval of last − minimum excluding 0, and a trend is Spearman's ρ with its permutation
     * p below {@link Trend#ALPHA}. When the report's verdicts change, only these methods change.
     */
    static final class Verdicts {
        private Verdicts() {}

        static boolean findsInflection(ScanAnalysis a, String metric) {
            return a.inflection(metric).map(i -> i.verdict() == Inflection.Verdict.SIGNIFICANT).orElseThrow(() -> missing(a, metric));
        }

        static boolean findsGrowth(ScanAnalysis a, String metric) {
            return a.trend(metric).map(t -> t.direction() == Trend.Direction.GROWS && t.significant()).orElseThrow(() -> missing(a, metric));
        }

        static String describe(ScanAnalysis a, String metric) {
            return a.inflection(metric).map(Inflection::sentence)
                    .or(() -> a.trend(metric).map(Trend::sentence))
                    .orElse("no analysis of " + metric) + "\n" + Report.table(a);
        }

        private static AssertionError missing(ScanAnalysis a, String metric) {
            return new AssertionError("the report has no " + metric + "; it has " + a.inflections().stream().map(Inflection::metric).toList()
                    + " and " + a.sensitivity().stream().map(Trend::metric).toList());
        }
    }
}
