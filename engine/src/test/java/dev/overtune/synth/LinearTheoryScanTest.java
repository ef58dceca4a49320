package dev.overtune.synth;

import dev.overtune.backend.OrtBackend;
import dev.overtune.findings.Inflection;
import dev.overtune.findings.ScanAnalysis;
import dev.overtune.findings.Trend;
import dev.overtune.pretrain.Budgets;
import dev.overtune.pretrain.PretrainListener;
import dev.overtune.pretrain.PretrainManifest;
import dev.overtune.pretrain.PretrainedCheckpoint;
import dev.overtune.report.Report;
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
 * (15 checkpoints, 10 to 1,280 steps of 200 × 50 tokens, ×2^¼ apart past 160), scanned twice, with a misaligned
 * and an aligned fine-tuning task (one fixed learning-rate grid × 3 seeds, Gaussian noise of fixed size). The
 * theory's answer is known, and the report must find it in this one series: sensitivity to noise of fixed size
 * grows with training time (the learned map's singular values grow from the small init); on the misaligned task
 * the pre-training (OOD) loss after fine-tuning turns up past an interior checkpoint and keeps rising; on the
 * aligned task, at the same rates, it never significantly does. What "finds" means is in {@link Verdicts} alone.
 */
class LinearTheoryScanTest {
    static final LinearTheory THEORY = LinearTheory.defaults(7);
    static final LinearTheoryRun.Plan PLAN = LinearTheoryRun.Plan.DEFAULT;
    static final Budgets BUDGETS = PLAN.budgets();
    /** The fixed rate at which the misaligned task's OOD loss after fine-tuning turns up, at 400K tokens (40 steps). */
    static final String TURNING_LR_OOD = "finetune.lr=0.016.ood_loss";
    static final String NOISE = "noise.absolute.gamma=0.1.delta_ood";

    static PretrainManifest manifest;
    static ScanAnalysis misaligned;
    static ScanAnalysis aligned;

    @BeforeAll
    static void pretrainAndScan(@TempDir Path tmp) {
        long started = System.nanoTime();
        LinearTheoryRun.Outcome out;
        try (OrtBackend backend = new OrtBackend(2)) {
            out = LinearTheoryRun.run(backend, THEORY, PLAN, tmp, 2, new PretrainListener() {}, ScanListener.NONE);
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
    void preTrainingLossFallsOverTheSeries() {
        double[] ood = manifest.checkpoints().stream().mapToDouble(PretrainedCheckpoint::oodLoss).toArray();
        assertEquals(BUDGETS.size(), ood.length);
        double lowest = java.util.Arrays.stream(ood).min().orElseThrow();
        // Minibatch gradient descent: the held-out loss falls by 0.25 overall and wobbles by about 0.001 at the end.
        assertTrue(ood[ood.length - 1] < ood[0] - 0.2 && ood[ood.length - 1] < lowest + 0.002,
                "the base model's held-out loss falls over the series: " + java.util.Arrays.toString(ood));
    }

    @Test
    void misalignedFineTuningTurnsThePreTrainingLossUpPastAnInteriorCheckpoint() {
        assertTrue(Verdicts.findsInflection(misaligned, TURNING_LR_OOD), Verdicts.describe(misaligned, TURNING_LR_OOD));
        Inflection i = misaligned.inflection(TURNING_LR_OOD).orElseThrow();
        int min = BUDGETS.tokens().indexOf(i.minTokens());
        assertTrue(min > 0 && min <= BUDGETS.size() - 5,
                "the minimum is inside the series, with at least 4 checkpoints after it: " + i.sentence());
    }

    @Test
    void theTunedProtocolsLearningRateIsInsideEachGrid() {
        assertEquals(List.of(), misaligned.warnings(), "misaligned grid");
        assertEquals(List.of(), aligned.warnings(), "aligned grid");
    }

    @Test
    void alignedFineTuningHasNoInflectionAtAnyRate() {
        List<String> metrics = new java.util.ArrayList<>(List.of("finetune.tuned.ood_loss", "finetune.tuned.id_test_loss"));
        for (double lr : PLAN.lrs()) {
            String name = "finetune.lr=" + java.math.BigDecimal.valueOf(lr).stripTrailingZeros().toPlainString();
            metrics.add(name + ".ood_loss");
            metrics.add(name + ".id_test_loss");
        }
        assertEquals(metrics.size(), aligned.inflections().size(), "every fine-tuning test the report prints is checked");
        for (String metric : metrics) {
            assertFalse(Verdicts.findsInflection(aligned, metric), Verdicts.describe(aligned, metric));
        }
    }

    @Test
    void sensitivityToNoiseGrowsWithTrainingTime() {
        assertTrue(Verdicts.findsGrowth(misaligned, NOISE), Verdicts.describe(misaligned, NOISE));
        Trend t = misaligned.trend(NOISE).orElseThrow();
        assertTrue(t.spearman() > 0.5, t.sentence());
        double[] delta = misaligned.checkpoints().stream().mapToDouble(c -> c.noise().values().iterator().next().meanDeltaOod()).toArray();
        // From about 0 after 10 steps (the weights still near their small init) to 0.010 nats: more than the ±0.004 of one checkpoint.
        assertTrue(delta[delta.length - 1] > delta[0] + 0.005, "Δ under noise, first to last checkpoint: " + java.util.Arrays.toString(delta));
    }

    @Test
    void bothScansShareTheSeriesSoTheyAgreeOnNoiseSensitivity() {
        // Noise perturbs the pre-trained checkpoints, which both scans share: the aligned scan is a control for the
        // fine-tuning inflection only, and must show the same growth, with the same ρ, as the misaligned one.
        assertTrue(Verdicts.findsGrowth(aligned, NOISE), Verdicts.describe(aligned, NOISE));
        assertEquals(misaligned.trend(NOISE).orElseThrow().spearman(), aligned.trend(NOISE).orElseThrow().spearman(), 1e-12);
    }

    /**
     * What it means that the report "finds" something, in one place: an inflection is the report's
     * {@link Inflection.Verdict#SIGNIFICANT} (its one-sided permutation test over checkpoint order, Holm-adjusted
     * over every test the report prints, at most α, with the best checkpoint before the last); a trend is
     * growth whose Holm-adjusted permutation p is at most α. When the report's verdicts change, only these methods change.
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
