package dev.overtune.report;

import dev.overtune.scan.Probe;
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
    static final long[] TOKENS = {1_000_000, 2_000_000, 4_000_000, 8_000_000, 16_000_000, 32_000_000};
    /** Per-seed offsets that average to zero, so every mean over all seeds is exactly the curve value. */
    static final double[] SEED_OFFSETS = {-0.01, 0.0, 0.01};

    /**
     * A series whose fine-tuned ID test loss follows {@code idTest} at the better learning rate (HIGH_LR,
     * chosen by validation loss) and stays 0.5 worse at LOW_LR; OOD after fine-tuning follows {@code ood}.
     */
    static List<UnitResult> series(double[] idTest, double[] ood, double[] seedOffsets) {
        List<UnitResult> out = new ArrayList<>();
        for (int c = 0; c < TOKENS.length; c++) {
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

    static final double[] U = {3.0, 2.8, 2.7, 2.75, 2.85, 3.0};
    static final double[] FALLING = {3.0, 2.9, 2.8, 2.7, 2.6, 2.5};

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
        assertEquals(0.3, id.degradation(), 1e-9);
        assertTrue(id.degradationCi().lo() > 0 && id.degradationCi().contains(0.3), id.degradationCi().toString());
        assertEquals(1.0, id.minSupport(), 1e-12, "seed noise of 0.01 cannot move a minimum 0.05 deep");
        assertEquals(6, id.checkpoints());
        assertTrue(id.sentence().contains("Inflection point") && id.sentence().contains("4M tokens"), id.sentence());
        // The fixed-LR curve has the same shape, shifted up.
        Inflection low = a.inflection("finetune.lr=0.001.id_test_loss").orElseThrow();
        assertEquals(4_000_000, low.minTokens());
        assertEquals(0.3, low.degradation(), 1e-9);
        assertEquals(a.inflections(), ScanAnalysis.of(series(U, FALLING, SEED_OFFSETS)).inflections(), "the bootstrap is seeded");
    }

    @Test
    void metricThatKeepsFallingHasNoInflection() {
        ScanAnalysis a = ScanAnalysis.of(series(U, FALLING, SEED_OFFSETS));
        Inflection ood = a.inflection("finetune.tuned.ood_loss").orElseThrow();
        assertEquals(Inflection.Verdict.NONE_IN_RANGE, ood.verdict());
        assertEquals(32_000_000, ood.minTokens());
        assertEquals(0.0, ood.degradation(), 0.0);
        assertFalse(ood.hasMinimumBeforeEnd());
        assertTrue(ood.sentence().contains("No inflection in the range scanned"), ood.sentence());
    }

    @Test
    void minimumWithinSeedNoiseIsNotSignificant() {
        double[] shallow = {3.0, 2.9, 2.8, 2.7, 2.6, 2.61};
        ScanAnalysis a = ScanAnalysis.of(series(shallow, FALLING, new double[] {-0.2, 0.0, 0.2}));
        Inflection id = a.inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(16_000_000, id.minTokens());
        assertEquals(0.01, id.degradation(), 1e-9);
        assertEquals(Inflection.Verdict.NOT_SIGNIFICANT, id.verdict(), id.sentence());
        assertEquals(0.0, id.degradationCi().lo(), 0.0, "enough resamples put the minimum at the end");
        assertTrue(id.minSupport() < 0.9, "the minimum moves between resamples: " + id.minSupport());
        assertTrue(id.sentence().contains("No significant inflection"), id.sentence());
    }

    @Test
    void singleSeedGivesNoIntervalAndSaysSo() {
        Inflection id = ScanAnalysis.of(series(U, FALLING, new double[] {0.0})).inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(Inflection.Verdict.UNTESTED, id.verdict());
        assertEquals(4_000_000, id.minTokens());
        assertFalse(id.degradationCi().available());
        assertTrue(id.sentence().contains("untested"), id.sentence());
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
        assertEquals(0.2 - 4.3027 * 0.1 / Math.sqrt(3), one.ci().lo(), 1e-9);
        NoiseDelta half = c.noise().get(new NoiseLevel("init", 0.5));
        assertEquals(0.05, half.meanDeltaOod(), 1e-9);
        assertFalse(half.ci().available(), "one sample has no interval");
    }

    @Test
    void sensitivityThatGrowsWithTokensHasPositiveSpearman() {
        List<UnitResult> units = new ArrayList<>();
        double[] growing = {0.01, 0.03, 0.02, 0.08, 0.2, 0.5};
        for (int c = 0; c < TOKENS.length; c++) {
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
        // As extreme: the identity and its 5 adjacent swaps, and their 6 reverses, of 6! orderings.
        assertEquals(12.0 / 720, noise.pValue(), 1e-12);
        assertEquals(Trend.Direction.GROWS, noise.direction());
        assertTrue(noise.significant());
        assertEquals(0.01, noise.first(), 1e-9);
        assertEquals(0.5, noise.last(), 1e-9);
        assertEquals(1_000_000, noise.firstTokens());
        assertEquals(32_000_000, noise.lastTokens());
        assertTrue(noise.sentence().contains("Progressive sensitivity"), noise.sentence());
        Trend quant = a.trend("quant.int8-channel.delta_ood").orElseThrow();
        assertEquals(-1.0, quant.spearman(), 1e-9);
        assertEquals(2.0 / 720, quant.pValue(), 1e-12);
        assertEquals(Trend.Direction.SHRINKS, quant.direction());
        CheckpointSummary first = a.checkpoints().get(0);
        assertEquals(0.1, first.quant().get(new QuantFormat(8, 0)).deltaOod(), 1e-9);
        assertEquals(0.1, first.quant().get(new QuantFormat(8, 0)).deltaIdTest(), 1e-9);
    }

    @Test
    void failedUnitsAreListedAndLeftOutOfTheNumbers() {
        List<UnitResult> units = new ArrayList<>(series(U, FALLING, SEED_OFFSETS));
        // Seed 0 at HIGH_LR on the first checkpoint diverged; the mean must come from seeds 1 and 2 only.
        UnitResult diverged = units.stream()
                .filter(u -> u.tokens() == TOKENS[0] && u.probe() == Probe.FINETUNE && u.seed() == 0 && u.setting().get("lr").equals("0.003"))
                .findFirst().orElseThrow();
        units.remove(diverged);
        units.add(Units.failed(TOKENS[0], Probe.FINETUNE, diverged.setting(), 0, "diverged: loss is NaN at step 12"));
        // A checkpoint whose weights were unreadable: every unit failed.
        long broken = 3_000_000;
        units.add(Units.failed(broken, Probe.BASE, Map.of(), 0, "model.safetensors: truncated"));
        units.add(Units.failed(broken, Probe.FINETUNE, Map.of("lr", "0.003"), 0, "model.safetensors: truncated"));
        units.add(Units.failed(broken, Probe.NOISE, Map.of("scale", "init", "gamma", "2.0"), 7, "model.safetensors: truncated"));

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
        assertEquals(6, id.checkpoints(), "the failed checkpoint is not a point of the curve");
        assertEquals(4_000_000, id.minTokens());
    }

    @Test
    void threeCheckpointsCannotMakeATrendSignificant() {
        List<UnitResult> units = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            units.add(Units.base(TOKENS[c], 3, 3, 2.0));
            units.add(Units.noise(TOKENS[c], 1.0, 0, 2.1 + c));
        }
        Trend t = ScanAnalysis.of(units).trend("noise.init.gamma=1.delta_ood").orElseThrow();
        assertEquals(1.0, t.spearman(), 1e-12);
        assertEquals(2.0 / 6, t.pValue(), 1e-12, "2 of the 3! orderings are as extreme");
        assertEquals(Trend.Direction.GROWS, t.direction());
        assertFalse(t.significant());
        assertTrue(t.sentence().contains("but not significantly") && !t.sentence().contains("Progressive"), t.sentence());
        assertEquals("grows (n.s.)", t.directionLabel());
    }
}
