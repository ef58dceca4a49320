package dev.overtune.findings;

import dev.overtune.probe.ProbeKind;
import dev.overtune.scan.UnitResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScanAnalysisTest {
    static final double LOW_LR = 1e-3;
    static final double HIGH_LR = 3e-3;
    /** Eight checkpoints: a permutation test over six or fewer cannot pass Holm over six tests with a U this clear. */
    static final long[] TOKENS = {1_000_000, 2_000_000, 4_000_000, 8_000_000, 16_000_000, 32_000_000, 64_000_000, 128_000_000};
    /** Per-seed offsets that average to zero, so every mean over all seeds is exactly the curve value. */
    static final double[] SEED_OFFSETS = {-0.01, 0.0, 0.01};

    /**
     * A series whose fine-tuned ID test loss follows {@code idTest} at the better learning rate (HIGH_LR,
     * chosen by validation loss) and stays 0.5 worse at LOW_LR; OOD after fine-tuning follows {@code ood}.
     */
    static List<UnitResult> series(double[] idTest, double[] ood, double[] seedOffsets) {
        List<UnitResult> out = new ArrayList<>();
        for (int c = 0; c < idTest.length; c++) {
            long t = TOKENS[c];
            out.add(Units.base(t, 4.0 - 0.1 * c, 4.0 - 0.1 * c, 3.0 - 0.1 * c));
            for (int s = 0; s < seedOffsets.length; s++) {
                double o = seedOffsets[s];
                out.add(Units.fineTune(t, HIGH_LR, s, idTest[c] + o, idTest[c] + o, ood[c] + o));
                out.add(Units.fineTune(t, LOW_LR, s, idTest[c] + 0.5 + o, idTest[c] + 0.5 + o, ood[c] + 0.5 + o));
            }
        }
        return out;
    }

    /** Lowest at 4M, then rising at every checkpoint: exactly 115 of the 8! orderings rise as clearly (counted apart). */
    static final double[] U = {3.0, 2.8, 2.7, 2.72, 2.76, 2.82, 2.9, 3.05};
    static final double[] FALLING = {3.0, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4, 2.3};

    @Test
    void tunedProtocolPicksTheLearningRateWithTheLowestMeanValidationLoss() {
        long t = 1000;
        List<UnitResult> units = List.of(
                Units.base(t, 5.0, 5.0, 4.0),
                // LOW_LR has the single best seed (2.0) but the worse mean (2.5), and the better test loss: neither may decide.
                Units.fineTune(t, LOW_LR, 0, 2.0, 1.0, 3.0),
                Units.fineTune(t, LOW_LR, 1, 3.0, 1.0, 3.0),
                Units.fineTune(t, HIGH_LR, 0, 2.4, 2.2, 3.5),
                Units.fineTune(t, HIGH_LR, 1, 2.4, 2.6, 3.7));
        CheckpointSummary c = ScanAnalysis.of(units).checkpoints().get(0);
        assertEquals(HIGH_LR, c.tuned().lr());
        assertEquals(2.4, c.tuned().idTestLoss(), 1e-12);
        assertEquals(3.6, c.tuned().oodLoss(), 1e-12);
        assertEquals(2, c.tuned().runs());
        assertEquals(2.5, c.byLr().get(LOW_LR).idValLoss(), 1e-12);
        assertEquals(List.of(LOW_LR, HIGH_LR), ScanAnalysis.of(units).learningRates());
    }

    @Test
    void uShapeHasItsInflectionAtTheMinimumWithTheDegradationToTheEnd() {
        ScanAnalysis a = ScanAnalysis.of(series(U, FALLING, SEED_OFFSETS));
        Inflection id = a.inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(Inflection.Verdict.SIGNIFICANT, id.verdict(), id.sentence());
        assertEquals(4_000_000, id.minTokens());
        assertEquals("ckpt-4000000", id.minCheckpoint());
        assertEquals(2.7, id.minValue(), 1e-9);
        assertEquals(0.35, id.degradation(), 1e-9);
        assertEquals(115.0 / 40320, id.pValue(), 1e-12);
        assertTrue(id.test().exact());
        assertEquals(1.0 / 40320, id.pFloor(), 1e-15);
        // Six tests; the three ID ones share this p and the OOD ones are near 1: Holm's first step multiplies by 6.
        assertEquals(6 * 115.0 / 40320, id.pHolm(), 1e-12);
        assertEquals(6, a.inflections().size());
        // Every seed's difference is exactly 0.35: the measurement interval has no width, and says it carries seed noise only.
        assertEquals(0.35, id.degradationCi().lo(), 1e-9);
        assertEquals(0.35, id.degradationCi().hi(), 1e-9);
        assertTrue(id.covers().startsWith("seed noise only"), id.covers());
        assertEquals(8, id.checkpoints());
        assertTrue(id.sentence().contains("Inflection: pre-training past 4M tokens") && id.sentence().contains("p = 0.0029 (Holm 0.017)"), id.sentence());
        Inflection low = a.inflection("finetune.lr=0.001.id_test_loss").orElseThrow();
        assertEquals(4_000_000, low.minTokens());
        assertEquals(0.35, low.degradation(), 1e-9);
        assertEquals(Inflection.Verdict.SIGNIFICANT, low.verdict());
        assertEquals(a.inflections(), ScanAnalysis.of(series(U, FALLING, SEED_OFFSETS)).inflections(), "the same store, the same report");
    }

    @Test
    void theFirstSixCheckpointsOfThatUAreNotEnough() {
        double[] u6 = java.util.Arrays.copyOf(U, 6);
        ScanAnalysis a = ScanAnalysis.of(series(u6, java.util.Arrays.copyOf(FALLING, 6), SEED_OFFSETS));
        Inflection id = a.inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(44.0 / 720, id.pValue(), 1e-12, "a rise over four checkpoints: 44 of 6! orderings rise as clearly (counted apart)");
        assertEquals(6 * 44.0 / 720, id.pHolm(), 1e-12);
        assertEquals(Inflection.Verdict.NOT_SIGNIFICANT, id.verdict());
        assertTrue(id.sentence().contains("No significant inflection"), id.sentence());
    }

    @Test
    void metricThatKeepsFallingHasNoInflection() {
        ScanAnalysis a = ScanAnalysis.of(series(U, FALLING, SEED_OFFSETS));
        Inflection ood = a.inflection("finetune.tuned.ood_loss").orElseThrow();
        assertEquals(Inflection.Verdict.NONE_IN_RANGE, ood.verdict());
        assertEquals(128_000_000, ood.minTokens());
        assertEquals(0.0, ood.degradation(), 0.0);
        assertEquals(1.0, ood.pValue(), 1e-12, "a series that falls at every checkpoint is the least rising ordering");
        assertFalse(ood.hasMinimumBeforeEnd());
        assertTrue(ood.sentence().contains("No inflection in the range scanned"), ood.sentence());
    }

    @Test
    void precisionOfTheMeasurementIsNoVerdict() {
        // The last checkpoint is 0.01 worse than the one before, the same for every seed: the measurement interval
        // excludes 0, yet one up-tick after a long fall is what scatter between checkpoints does (38,911 of 8! orderings).
        double[] shallow = {3.0, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4, 2.41};
        ScanAnalysis a = ScanAnalysis.of(series(shallow, FALLING, new double[] {-0.2, 0.0, 0.2}));
        Inflection id = a.inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(64_000_000, id.minTokens());
        assertEquals(0.01, id.degradation(), 1e-9);
        assertTrue(id.degradationCi().lo() > 0, id.degradationCi().toString());
        assertEquals(38911.0 / 40320, id.pValue(), 1e-12);
        assertEquals(Inflection.Verdict.NOT_SIGNIFICANT, id.verdict(), id.sentence());
    }

    @Test
    void singleSeedIsStillTestedButHasNoInterval() {
        ScanAnalysis a = ScanAnalysis.of(series(U, FALLING, new double[] {0.0}));
        Inflection id = a.inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertTrue(a.limits().stream().anyMatch(l -> l.startsWith("One fine-tune seed and no per-window losses")), a.limits().toString());
        assertEquals(Inflection.Verdict.SIGNIFICANT, id.verdict(), "the permutation test's null comes from the checkpoints, not the seeds");
        assertFalse(id.degradationCi().available());
        assertTrue(id.sentence().contains("no interval (one seed and no per-window losses)"), id.sentence());
    }

    @Test
    void perWindowLossesPutEvaluationNoiseInTheIntervalAndJudgeTheBaseModel() {
        ScanAnalysis overtrained = ScanAnalysis.of(windowed(U, -0.05));
        assertTrue(overtrained.perWindowLosses());
        Inflection id = overtrained.inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(Inflection.Verdict.SIGNIFICANT, id.verdict(), id.sentence());
        assertEquals("seed and evaluation noise", id.covers());
        assertTrue(id.degradationCi().lo() > 0 && id.degradationCi().hi() - id.degradationCi().lo() > 0.01, id.degradationCi().toString());
        assertEquals(BaseChange.Kind.STILL_IMPROVING, id.base().kind());
        assertEquals(-0.05 * 5, id.base().change(), 1e-9, "the base from 4M to 128M");
        assertTrue(id.sentence().contains("catastrophic overtraining"), id.sentence());
        // Windows at ±0.1, ±0.3 (± 0.004): sd √(0.2/3 ± …) over √4 windows, about 0.129, far above the 0.005 bar.
        assertEquals(0.129, overtrained.evaluationSe(), 0.002);
        assertTrue(overtrained.limits().stream().anyMatch(l -> l.startsWith("Evaluation limits precision: the base model's ") && l.contains("_loss has a standard error of 0.1")
                        && l.contains("over its 4 windows") && l.contains("--eval-batches")),
                overtrained.limits().toString());

        Inflection inherited = ScanAnalysis.of(windowed(U, +0.05)).inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(BaseChange.Kind.ALSO_WORSENING, inherited.base().kind());
        assertTrue(inherited.sentence().contains("inherited from the base model"), inherited.sentence());

        Inflection flat = ScanAnalysis.of(windowed(U, 0.0)).inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(BaseChange.Kind.CANNOT_TELL, flat.base().kind());
        assertTrue(flat.sentence().contains("cannot tell"), flat.sentence());
    }

    @Test
    void labelTaskLossesAreWeightedByTheirTokensInEveryInterval() {
        // Four examples of 1, 1, 2 and 96 tokens. The 96-token example carries the U; the two 1-token examples swing by
        // ±1 nats from checkpoint to checkpoint. Weighted by tokens (as the metric is) the swing hardly matters.
        double[] weights = {1, 1, 2, 96};
        List<UnitResult> units = new ArrayList<>();
        for (int c = 0; c < U.length; c++) {
            long t = TOKENS[c];
            Map<String, double[]> base = Map.of("id_val_loss", new double[] {2, 6, 4, 4}, "id_test_loss", new double[] {2, 6, 4, 4});
            units.add(Units.labelTask(t, ProbeKind.BASE, Map.of(), 0, base, weights));
            double swing = c % 2 == 0 ? 1 : -1;
            for (int s = 0; s < 3; s++) {
                double v = U[c] + SEED_OFFSETS[s];
                double[] x = {v + swing, v - swing, v, v};
                units.add(Units.labelTask(t, ProbeKind.FINETUNE, Map.of("lr", Double.toString(HIGH_LR)), s,
                        Map.of("id_val_loss", x, "id_test_loss", x), weights));
            }
        }
        ScanAnalysis a = ScanAnalysis.of(units);
        Inflection id = a.inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(4_000_000, id.minTokens());
        assertEquals(0.35, id.degradation(), 1e-9);
        // Last (odd, swing −1) minus best (even, swing +1), per example: −1.65, 2.35, 0.35, 0.35; every seed's difference
        // is 0.35, so the interval is the evaluation term alone: √(n/(n−1)·Σ w²(d − 0.35)²)/Σ w,
        // with Σ w²(d − 0.35)² = 2² + 2² = 8, and 3 degrees of freedom. Unweighted it would be √(var{…}/4) = 0.816.
        double se = Math.sqrt(4.0 / 3 * 8) / 100;
        double half = 3.182446305284263 * se;
        assertEquals(0.35 - half, id.degradationCi().lo(), 1e-6, id.degradationCi().toString());
        assertEquals(0.35 + half, id.degradationCi().hi(), 1e-6, id.degradationCi().toString());
        assertTrue(id.degradationCi().lo() > 0, "weighted, the rise is measured clearly: " + id.degradationCi());
        // The base model's examples 2, 6, 4, 4 around the weighted mean 4: √(4/3·(2² + 2²))/100 = 0.0327, not 0.816.
        assertEquals(Math.sqrt(4.0 / 3 * 8) / 100, a.evaluationSe(), 1e-9);
        assertEquals(0.0, id.base().change(), 1e-9);
    }

    /** Three seeds × four windows per unit at one learning rate; the base's ID test loss moves by baseStep per checkpoint. */
    static List<UnitResult> windowed(double[] idTest, double baseStep) {
        List<UnitResult> out = new ArrayList<>();
        double[] offsets = {-0.3, -0.1, 0.1, 0.3};
        for (int c = 0; c < idTest.length; c++) {
            long t = TOKENS[c];
            // Window noise that changes from checkpoint to checkpoint: ±0.004 around the window's own difficulty.
            double jitter = (c % 2 == 0 ? 0.004 : -0.004);
            double[] noisy = {offsets[0] + jitter, offsets[1] - jitter, offsets[2] + jitter, offsets[3] - jitter};
            double base = 4.0 + baseStep * c;
            out.add(Units.base(t, Map.of("id_val_loss", Units.windows(base, noisy), "id_test_loss", Units.windows(base, noisy),
                    "ood_loss", Units.windows(3.0, noisy))));
            for (int s = 0; s < 3; s++) {
                double v = idTest[c] + SEED_OFFSETS[s] + (c * s % 3) * 0.002;
                out.add(Units.fineTune(t, HIGH_LR, s, Map.of("id_val_loss", Units.windows(v, noisy), "id_test_loss", Units.windows(v, noisy),
                        "ood_loss", Units.windows(3.0, noisy))));
            }
        }
        return out;
    }

    @Test
    void storeWithoutPerWindowLossesSaysWhatItLacks() {
        ScanAnalysis a = ScanAnalysis.of(series(U, FALLING, SEED_OFFSETS));
        assertFalse(a.perWindowLosses());
        assertTrue(a.limits().stream().anyMatch(l -> l.contains("no per-window losses")), a.limits().toString());
        assertEquals(BaseChange.Kind.CANNOT_TELL, a.inflection("finetune.tuned.id_test_loss").orElseThrow().base().kind());
        assertTrue(Findings.headline(a).get(0).contains("no per-window losses"), "the first thing a reader sees");
    }

    @Test
    void bestLearningRateAtTheGridsEdgeIsWarnedAbout() {
        ScanAnalysis a = ScanAnalysis.of(series(U, FALLING, SEED_OFFSETS));
        assertEquals(1, a.warnings().size(), a.warnings().toString());
        String w = a.warnings().get(0);
        assertTrue(w.contains("largest of the grid (0.003)") && w.contains("1M, 2M, 4M") && w.contains("extend the grid upward"), w);
    }

    @Test
    void perturbedLossHasItsMinimumEarlierForLargerGamma() {
        List<UnitResult> units = new ArrayList<>();
        double[] offsets = {-0.2, 0.0, 0.2};
        for (int c = 0; c < 6; c++) {
            long t = TOKENS[c];
            units.add(Units.base(t, Map.of("ood_loss", Units.windows(3.0 - 0.1 * c, offsets))));
            for (long k = 0; k < 2; k++) {
                double jitter = (k == 0 ? 0.002 : -0.002);
                // γ = 1: lowest at checkpoint 3 (8M); γ = 2: lowest at checkpoint 1 (2M), both rising clearly after.
                units.add(Units.noise(t, 1.0, k, Units.windows(3.0 + 0.05 * (c - 3) * (c - 3) + jitter, offsets)));
                units.add(Units.noise(t, 2.0, k, Units.windows(3.5 + 0.05 * (c - 1) * (c - 1) + jitter, offsets)));
            }
        }
        ScanAnalysis a = ScanAnalysis.of(units);
        MinimumOverTokens one = a.perturbedMinima().get(0);
        MinimumOverTokens two = a.perturbedMinima().get(1);
        assertEquals(8_000_000, one.minTokens());
        assertEquals(2_000_000, two.minTokens());
        assertEquals(List.of(8_000_000L), one.notWorse(), "0.05 above the minimum is far beyond ±0.002 of sample noise");
        assertTrue(one.sentence().contains("lowest at 8M tokens") && one.sentence().contains("Bonferroni over 5"), one.sentence());
        assertEquals(1, a.orderings().size());
        assertTrue(a.orderings().get(0).contains("8M (γ=1), 2M (γ=2)") && a.orderings().get(0).contains("earlier")
                && a.orderings().get(0).contains("Descriptive"), a.orderings().get(0));
    }

    @Test
    void accuracyIsBetterHigherAndItsFallIsTheInflection() {
        List<UnitResult> units = new ArrayList<>();
        for (int c = 0; c < U.length; c++) {
            long t = TOKENS[c];
            units.add(Units.base(t, 4.0, 4.0, 3.0));
            for (int s = 0; s < 2; s++) {
                // Accuracy peaks where the loss U has its minimum.
                double acc = 0.9 - (U[c] - 2.7) + s * 0.001;
                units.add(new UnitResult("ft" + c + s, Units.ckpt(t), t, ProbeKind.FINETUNE, Map.of("lr", "0.003"), s, UnitResult.Status.DONE,
                        Map.of("id_val_loss", U[c], "id_test_loss", U[c], "ood_loss", 3.0, "id_test_acc", acc), List.of(), null,
                        "test", "0", "abc", 0));
            }
        }
        Inflection acc = ScanAnalysis.of(units).inflection("finetune.tuned.id_test_acc").orElseThrow();
        assertTrue(acc.higherIsBetter());
        assertEquals(4_000_000, acc.minTokens(), "the best checkpoint");
        assertEquals(0.35, acc.degradation(), 1e-9, "how far it fell by the last");
        assertEquals(115.0 / 40320, acc.pValue(), 1e-12, "the mirror image of the loss U");
        assertTrue(acc.sentence().startsWith("ID test acc after fine-tuning (best LR): highest at 4M"), acc.sentence());
    }

    @Test
    void noiseDeltaIsTheMeanIncreaseOverSamplesWithATInterval() {
        long t = 1000;
        List<UnitResult> units = List.of(Units.base(t, 3, 3, 2.0),
                Units.noise(t, 1.0, 0, 2.1), Units.noise(t, 1.0, 1, 2.2), Units.noise(t, 1.0, 2, 2.3),
                Units.noise(t, 0.5, 0, 2.05));
        CheckpointSummary c = ScanAnalysis.of(units).checkpoints().get(0);
        NoiseDelta one = c.noise().get(new NoiseLevel("init", 1.0));
        assertEquals(0.2, one.meanDeltaOod(), 1e-9);
        assertEquals(3, one.samples());
        assertEquals(0.2 - 4.3027 * 0.1 / Math.sqrt(3), one.ci().lo(), 1e-4);
        NoiseDelta half = c.noise().get(new NoiseLevel("init", 0.5));
        assertEquals(0.05, half.meanDeltaOod(), 1e-9);
        assertFalse(half.ci().available(), "one sample and no windows: no interval");
    }

    @Test
    void sensitivityThatGrowsIsTestedOneSidedAndHolmAdjusted() {
        List<UnitResult> units = new ArrayList<>();
        double[] growing = {0.01, 0.03, 0.02, 0.08, 0.2, 0.5};
        for (int c = 0; c < growing.length; c++) {
            units.add(Units.base(TOKENS[c], 3, 3, 2.0));
            units.add(Units.noise(TOKENS[c], 1.0, 0, 2.0 + growing[c]));
            units.add(Units.noise(TOKENS[c], 1.0, 1, 2.0 + growing[c]));
            // 8-bit rounding hurts less the more tokens: the opposite sign.
            units.add(Units.quant(TOKENS[c], 8, 0, 3, 3 + 0.1 / (c + 1), 2.0 + 0.1 / (c + 1)));
        }
        ScanAnalysis a = ScanAnalysis.of(units);
        Trend noise = a.trend("noise.init.gamma=1.delta_ood").orElseThrow();
        // one swapped pair among six: 1 - 6 * 2 / (6 * 35)
        assertEquals(1 - 12.0 / 210, noise.spearman(), 1e-9);
        // As large a ρ: the identity and its 5 adjacent swaps, of 6! orderings (one-sided).
        assertEquals(6.0 / 720, noise.pValue(), 1e-12);
        assertEquals(2 * 6.0 / 720, noise.pHolm(), 1e-12, "two tests");
        assertEquals(Trend.Direction.GROWS, noise.direction());
        assertTrue(noise.significant());
        assertEquals(0.01, noise.first(), 1e-9);
        assertEquals(0.5, noise.last(), 1e-9);
        assertTrue(noise.sentence().contains("Progressive sensitivity"), noise.sentence());
        Trend quant = a.trend("quant.int8-channel.delta_ood").orElseThrow();
        assertEquals(-1.0, quant.spearman(), 1e-9);
        assertEquals(1.0, quant.pValue(), 1e-12, "the least growing ordering");
        assertEquals(Trend.Direction.SHRINKS, quant.direction());
        assertFalse(quant.significant());
        assertTrue(quant.sentence().contains("only growth is tested"), quant.sentence());
        CheckpointSummary first = a.checkpoints().get(0);
        assertEquals(0.1, first.quant().get(new QuantFormat(8, 0)).deltaOod(), 1e-9);
        assertEquals(0.1, first.quant().get(new QuantFormat(8, 0)).deltaIdTest(), 1e-9);
    }

    @Test
    void failedUnitsAreListedAndLeftOutOfTheNumbers() {
        List<UnitResult> units = new ArrayList<>(series(U, FALLING, SEED_OFFSETS));
        // Seed 0 at HIGH_LR on the first checkpoint diverged; the mean must come from seeds 1 and 2 only.
        UnitResult diverged = units.stream()
                .filter(u -> u.tokens() == TOKENS[0] && u.kind() == ProbeKind.FINETUNE && u.seed() == 0 && u.setting().get("lr").equals("0.003"))
                .findFirst().orElseThrow();
        units.remove(diverged);
        units.add(Units.failed(TOKENS[0], ProbeKind.FINETUNE, diverged.setting(), 0, "diverged: loss is NaN at step 12"));
        // A checkpoint whose weights were unreadable: every unit failed.
        long broken = 3_000_000;
        units.add(Units.failed(broken, ProbeKind.BASE, Map.of(), 0, "model.safetensors: truncated"));
        units.add(Units.failed(broken, ProbeKind.FINETUNE, Map.of("lr", "0.003"), 0, "model.safetensors: truncated"));
        units.add(Units.failed(broken, ProbeKind.NOISE, Map.of("scale", "init", "gamma", "2.0"), 7, "model.safetensors: truncated"));

        ScanAnalysis a = ScanAnalysis.of(units);
        assertEquals(4, a.failedUnits().size());
        assertTrue(a.failedUnits().stream().anyMatch(u -> u.reason().startsWith("diverged")));
        assertEquals(units.size(), a.units());

        CheckpointSummary first = a.checkpoints().get(0);
        assertTrue(first.usable());
        assertEquals(1, first.failedUnits());
        assertEquals(2, first.tuned().runs());
        assertEquals(U[0] + 0.005, first.tuned().idTestLoss(), 1e-9);

        CheckpointSummary dead = a.checkpoints().get(2);
        assertEquals("ckpt-3000000", dead.name(), "checkpoints are in token order, the failed one included");
        assertFalse(dead.usable());
        assertEquals(List.of(dead), a.unusableCheckpoints());
        assertTrue(Double.isNaN(dead.baseOodLoss()));
        assertNull(dead.tuned());
        assertTrue(a.noiseLevels().contains(new NoiseLevel("init", 2.0)), "a setting that only failed still has a column");

        Inflection id = a.inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(8, id.checkpoints(), "the failed checkpoint is not a point of the curve");
        assertEquals(4_000_000, id.minTokens());
    }

    @Test
    void threeCheckpointsSayNothingCanBeSignificant() {
        List<UnitResult> units = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            units.add(Units.base(TOKENS[c], 3, 3, 2.0));
            units.add(Units.noise(TOKENS[c], 1.0, 0, 2.1 + c));
        }
        ScanAnalysis a = ScanAnalysis.of(units);
        Trend t = a.trend("noise.init.gamma=1.delta_ood").orElseThrow();
        assertEquals(1.0, t.spearman(), 1e-12);
        assertEquals(1.0 / 6, t.pValue(), 1e-12, "1 of the 3! orderings grows as clearly");
        assertEquals(Trend.Direction.GROWS, t.direction());
        assertFalse(t.significant());
        String limit = "3 checkpoints: the smallest attainable p is 0.167; nothing can be significant; scan ≥ 4 checkpoints.";
        assertEquals(List.of(limit), a.limits().stream().filter(l -> l.startsWith("3 checkpoints")).toList());
        assertTrue(t.sentence().contains("but not significantly") && t.sentence().contains(limit) && !t.sentence().contains("Progressive"),
                t.sentence());
        assertEquals("grows (n.s.)", t.directionLabel());
    }

    @Test
    void fiveCheckpointsAndManyTestsCannotPassHolm() {
        // 14 tests (the demo's): Holm's first step needs p ≤ 0.05/14 = 0.0036, below 1/5! = 0.0083.
        assertEquals(6, ScanAnalysis.checkpointsNeeded(14));
        assertEquals(5, ScanAnalysis.checkpointsNeeded(6));
        assertEquals(4, ScanAnalysis.checkpointsNeeded(1));
        List<UnitResult> units = new ArrayList<>(series(java.util.Arrays.copyOf(U, 5), java.util.Arrays.copyOf(FALLING, 5), SEED_OFFSETS));
        for (int c = 0; c < 5; c++) {
            for (double g : new double[] {0.5, 1, 2, 4}) {
                units.add(Units.noise(TOKENS[c], g, 0, 3.0 + g * c));
            }
        }
        ScanAnalysis a = ScanAnalysis.of(units);
        assertEquals(10, Findings.tests(a));
        assertTrue(a.limits().stream().anyMatch(l -> l.contains("with 10 tests Holm needs p ≤ 0.0050") && l.contains("scan ≥ 6")), a.limits().toString());
        Trend t = a.sensitivity().get(0);
        assertEquals(1.0 / 120, t.pValue(), 1e-12);
        assertFalse(t.significant(), "even a perfect rise cannot pass Holm here");
        assertEquals(0, a.significantFindings());
    }
}
