package dev.overtune.synth;

import dev.overtune.backend.OrtBackend;
import dev.overtune.pretrain.Budgets;
import dev.overtune.pretrain.PretrainListener;
import dev.overtune.pretrain.PretrainManifest;
import dev.overtune.pretrain.PretrainedCheckpoint;
import dev.overtune.report.Inflection;
import dev.overtune.report.Report;
import dev.overtune.report.ScanAnalysis;
import dev.overtune.report.Trend;
import dev.overtune.scan.ScanListener;
import dev.overtune.synth.LinearTheory.Alignment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

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
    static final Budgets BUDGETS = LinearTheoryRun.BUDGETS;
    /**
     * The rate at which the independent reference ({@code engine/src/test/python/linear_theory.py}, exact
     * expected losses) puts the misaligned task's minimum inside the series: 6,400 steps, higher at 12,800.
     */
    static final String TURNING_LR_OOD = "finetune.lr=0.01.ood_loss";
    static final String NOISE = "noise.absolute.gamma=0.3.delta_ood";

    static PretrainManifest manifest;
    static ScanAnalysis misaligned;
    static ScanAnalysis aligned;

    @BeforeAll
    static void pretrainAndScan(@TempDir Path tmp) {
        long started = System.nanoTime();
        LinearTheoryRun.Outcome out;
        try (OrtBackend backend = new OrtBackend(2)) {
            out = LinearTheoryRun.run(backend, THEORY, tmp, 2, new PretrainListener() {}, ScanListener.NONE);
        }
        manifest = out.series();
        misaligned = ScanAnalysis.of(out.results().get(Alignment.MISALIGNED));
        aligned = ScanAnalysis.of(out.results().get(Alignment.ALIGNED));
        // The figures the README quotes.
        System.out.printf(Locale.ROOT, "linear theory: pre-training and two scans %.1f s%n", (System.nanoTime() - started) / 1e9);
        System.out.println("misaligned fine-tuning task\n" + Report.table(misaligned));
        System.out.println("aligned fine-tuning task\n" + Report.table(aligned));
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
        assertTrue(Verdicts.findsInflection(misaligned, TURNING_LR_OOD), Verdicts.describe(misaligned, TURNING_LR_OOD));
        Inflection i = misaligned.inflection(TURNING_LR_OOD).orElseThrow();
        assertTrue(i.minTokens() > BUDGETS.get(0) && i.minTokens() < BUDGETS.get(BUDGETS.size() - 1),
                "the minimum is inside the series, not at an end: " + i.sentence());
    }

    @Test
    void alignedFineTuningHasNoInflectionAtAnyRate() {
        for (String lr : List.of("0.003", "0.01", "0.03")) {  // LinearTheoryRun.FINE_TUNE_LRS
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
