package dev.overtune.findings;

import dev.overtune.probe.MetricKeys;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Probe;
import dev.overtune.scan.UnitResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The report's verdicts calibrated by simulation: synthetic scans with a known truth, each analysed by
 * {@link ScanAnalysis#of} exactly as a stored scan is, counting how often the report would print a significant
 * finding. Under a null scenario that count is the false-positive rate, under the U shape the power.
 *
 * <p>Every scan has a base model, fine-tunes at two learning rates × S seeds and three noise samples at one γ
 * per checkpoint, each evaluated on {@link #WINDOWS} windows per metric (ID validation, ID test, OOD) whose
 * per-window losses are stored as a real scan stores them. Nuisances, in nats: a seed effect shared by all
 * checkpoints (sd 0.03) plus a seed × checkpoint interaction (sd {@link #SEED_SD}, the "seed-sd"); window
 * difficulty shared by all checkpoints (sd 0.5), a window × checkpoint interaction shared by that checkpoint's
 * units (sd 0.05) and per-unit window noise (sd 0.05); the second learning rate 0.01 worse on average, so the
 * tuned protocol's choice can flip. Noise samples: a shared sample effect (sd 0.05) and a sample × checkpoint
 * interaction (sd 0.02) on a flat increase of 0.3, so the sensitivity trend is null in every scenario. Wobble
 * (scenarios with it): every unit of a checkpoint offset by N(0, 0.02²), one seed-sd, and the noise increase by
 * another N(0, 0.02²). The base model improves by 0.2 over the range everywhere.
 */
public final class Calibration {
    public static final int WINDOWS = 32;
    public static final double SEED_SD = 0.02;
    /** How far the U-shaped curve rises from its minimum to the last checkpoint: 5 seed-sd. */
    public static final double U_RISE = 0.10;
    /** How far the decreasing curve falls over the range: 3 seed-sd. */
    public static final double DECREASE = 0.06;
    public static final List<Integer> SEEDS = List.of(2, 3, 5);
    public static final List<Integer> CHECKPOINTS = List.of(3, 5, 8);
    private static final double[] LRS = {1e-3, 3e-3};
    private static final double GAMMA = 1.0;
    private static final int NOISE_SAMPLES = 3;

    public enum Scenario {
        FLAT("flat", "no trend", true),
        DECREASING("decreasing", "falls by " + DECREASE + " (3 seed-sd) over the range", true),
        WOBBLE("flat + wobble", "no trend; each checkpoint offset by N(0, " + SEED_SD + "²) shared by all its units", true),
        U_SHAPE("U-shaped", "minimum at 30% of the range, rising " + U_RISE + " (5 seed-sd) to the last checkpoint", false),
        U_WOBBLE("U + wobble", "the U shape with the wobble", false);

        private final String label;
        private final String truth;
        private final boolean isNull;

        Scenario(String label, String truth, boolean isNull) {
            this.label = label;
            this.truth = truth;
            this.isNull = isNull;
        }

        public String label() {
            return label;
        }

        public String truth() {
            return truth;
        }

        /** True when the fine-tuned metrics do not rise, so every significant finding is a false positive. */
        public boolean isNull() {
            return isNull;
        }

        /** The fine-tuned curve's offset at checkpoint c of k. */
        double curve(int c, int k) {
            return switch (this) {
                case FLAT, WOBBLE -> 0;
                case DECREASING -> -DECREASE * c / (k - 1);
                case U_SHAPE, U_WOBBLE -> {
                    double min = 0.3 * (k - 1);
                    double x = (c - min) / (k - 1 - min);
                    yield U_RISE * x * x;
                }
            };
        }
    }

    /** A rate out of {@code scans} with its Monte-Carlo standard error √(p(1−p)/N). */
    public record Rate(int hits, int scans) {
        public double value() {
            return (double) hits / scans;
        }

        public double mcError() {
            double p = value();
            return Math.sqrt(p * (1 - p) / scans);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.3f ± %.3f", value(), mcError());
        }
    }

    /**
     * One cell of the table.
     *
     * @param inflectionTest  the tuned-protocol ID test loss's inflection test with raw p ≤ α (per-test rate)
     * @param inflectionShown the same inflection printed as significant (after Holm over the report's tests)
     * @param trendTest       the noise sensitivity's growth test with raw p ≤ α (per-test rate; null in every scenario)
     * @param anyShown        the report prints at least one significant finding of any kind (family-wise rate)
     * @param tests           how many tests each report of this cell adjusts together
     */
    public record Cell(Scenario scenario, int seeds, int checkpoints, int scans, Rate inflectionTest, Rate inflectionShown,
                       Rate trendTest, Rate anyShown, int tests) {}

    private Calibration() {}

    /** Every scenario × seeds × checkpoints, {@code scans} synthetic scans each, reproducible from {@code seed}. */
    public static List<Cell> run(int scans, long seed) {
        if (scans < 1) {
            throw new IllegalArgumentException("--scans must be at least 1, got " + scans);
        }
        List<Cell> out = new ArrayList<>();
        for (Scenario s : Scenario.values()) {
            for (int seeds : SEEDS) {
                for (int k : CHECKPOINTS) {
                    out.add(cell(s, seeds, k, scans, seed));
                }
            }
        }
        return out;
    }

    public static Cell cell(Scenario scenario, int seeds, int checkpoints, int scans, long seed) {
        long cellSeed = seed ^ (1_000_003L * (scenario.ordinal() + 1)) ^ (10_007L * seeds) ^ (101L * checkpoints);
        int[][] hits = IntStream.range(0, scans).parallel().mapToObj(i -> {
            ScanAnalysis a = ScanAnalysis.of(scan(scenario, seeds, checkpoints, new SplittableRandom(cellSeed * 31 + i)));
            Inflection id = a.inflection("finetune.tuned.id_test_loss").orElseThrow();
            Trend noise = a.sensitivity().get(0);
            return new int[] {id.pValue() <= Verdicts.ALPHA ? 1 : 0, id.verdict() == Inflection.Verdict.SIGNIFICANT ? 1 : 0,
                    noise.pValue() <= Verdicts.ALPHA ? 1 : 0, a.significantFindings() > 0 ? 1 : 0, Findings.tests(a)};
        }).toArray(int[][]::new);
        int[] sum = new int[4];
        for (int[] h : hits) {
            for (int j = 0; j < 4; j++) {
                sum[j] += h[j];
            }
        }
        return new Cell(scenario, seeds, checkpoints, scans, new Rate(sum[0], scans), new Rate(sum[1], scans), new Rate(sum[2], scans),
                new Rate(sum[3], scans), hits[0][4]);
    }

    /** One synthetic scan as the units a store would hold: checkpoints at 1M, 2M, 4M, ... tokens. */
    public static List<UnitResult> scan(Scenario scenario, int seeds, int checkpoints, SplittableRandom rng) {
        String[] metrics = {MetricKeys.ID_VAL_LOSS, MetricKeys.ID_TEST_LOSS, MetricKeys.OOD_LOSS};
        double[] level = {2.5, 2.52, 3.0};
        double[][] window = new double[metrics.length][WINDOWS];
        for (double[] w : window) {
            for (int i = 0; i < WINDOWS; i++) {
                w[i] = 0.5 * rng.nextGaussian();
            }
        }
        double[][] seedShared = new double[seeds][metrics.length];
        for (double[] s : seedShared) {
            for (int m = 0; m < s.length; m++) {
                s[m] = 0.03 * rng.nextGaussian();
            }
        }
        double[] sampleShared = new double[NOISE_SAMPLES];
        for (int k = 0; k < NOISE_SAMPLES; k++) {
            sampleShared[k] = 0.05 * rng.nextGaussian();
        }
        List<UnitResult> out = new ArrayList<>();
        for (int c = 0; c < checkpoints; c++) {
            long tokens = 1_000_000L << c;
            boolean wobbles = scenario == Scenario.WOBBLE || scenario == Scenario.U_WOBBLE;
            double wobble = wobbles ? SEED_SD * rng.nextGaussian() : 0;
            // Sensitivity wobbles too: a per-checkpoint offset of the increase that more noise samples do not remove.
            double deltaWobble = wobbles ? 0.02 * rng.nextGaussian() : 0;
            double[][] windowByCheckpoint = new double[metrics.length][WINDOWS];
            for (double[] w : windowByCheckpoint) {
                for (int i = 0; i < WINDOWS; i++) {
                    w[i] = 0.05 * rng.nextGaussian();
                }
            }
            double baseOffset = -0.2 * c / (checkpoints - 1) + wobble;
            double[] baseShift = {baseOffset + 1.0, baseOffset + 1.0, baseOffset};
            Map<String, double[]> baseWindows = windows(level, baseShift, window, windowByCheckpoint, rng);
            out.add(unit(tokens, new Probe.Base(), baseWindows));
            double curve = scenario.curve(c, checkpoints) + wobble;
            for (int l = 0; l < LRS.length; l++) {
                for (int s = 0; s < seeds; s++) {
                    double interaction = SEED_SD * rng.nextGaussian();
                    double[] shift = new double[metrics.length];
                    for (int m = 0; m < metrics.length; m++) {
                        shift[m] = curve + 0.01 * l + seedShared[s][m] + interaction;
                    }
                    out.add(unit(tokens, new Probe.FineTune(LRS[l], s),
                            windows(level, shift, window, windowByCheckpoint, rng)));
                }
            }
            for (int k = 0; k < NOISE_SAMPLES; k++) {
                double delta = 0.3 + deltaWobble + sampleShared[k] + 0.02 * rng.nextGaussian();
                double[] ood = baseWindows.get(MetricKeys.OOD_LOSS).clone();
                for (int i = 0; i < WINDOWS; i++) {
                    ood[i] += delta + 0.05 * rng.nextGaussian();
                }
                out.add(unit(tokens, new Probe.Noise(NoiseScale.INIT, GAMMA, k), Map.of(MetricKeys.OOD_LOSS, ood)));
            }
        }
        return out;
    }

    private static Map<String, double[]> windows(double[] level, double[] shift, double[][] window, double[][] windowByCheckpoint,
                                                 SplittableRandom rng) {
        String[] metrics = {MetricKeys.ID_VAL_LOSS, MetricKeys.ID_TEST_LOSS, MetricKeys.OOD_LOSS};
        Map<String, double[]> out = new HashMap<>();
        for (int m = 0; m < metrics.length; m++) {
            double[] w = new double[WINDOWS];
            for (int i = 0; i < WINDOWS; i++) {
                w[i] = level[m] + shift[m] + window[m][i] + windowByCheckpoint[m][i] + 0.05 * rng.nextGaussian();
            }
            out.put(metrics[m], w);
        }
        return out;
    }

    private static UnitResult unit(long tokens, Probe probe, Map<String, double[]> samples) {
        Map<String, Double> metrics = new HashMap<>();
        samples.forEach((name, w) -> {
            double sum = 0;
            for (double x : w) {
                sum += x;
            }
            metrics.put(name, sum / w.length);
        });
        String id = probe.kind() + "-" + tokens + "-" + probe.fields() + "-" + probe.seed();
        return new UnitResult(id, "tokens-" + Format.tokens(tokens), tokens, probe, UnitResult.Status.DONE, metrics,
                List.of(), null, "synthetic", "calibration", "none", 0, samples);
    }

    /** The table as text: one row per cell. */
    public static String table(List<Cell> cells) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-14s %5s %11s %6s  %-20s %-20s %-20s %s%n", "scenario", "seeds", "checkpoints", "tests",
                "inflection p≤0.05", "inflection reported", "trend p≤0.05", "any finding reported"));
        for (Cell c : cells) {
            b.append(String.format(Locale.ROOT, "%-14s %5d %11d %6d  %-20s %-20s %-20s %s%n", c.scenario().label(), c.seeds(),
                    c.checkpoints(), c.tests(), c.inflectionTest(), c.inflectionShown(), c.trendTest(), c.anyShown()));
        }
        return b.toString();
    }
}
