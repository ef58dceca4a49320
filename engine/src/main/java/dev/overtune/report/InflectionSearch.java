package dev.overtune.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleBiFunction;
import java.util.function.ToDoubleFunction;

/**
 * Finds the inflection of each fine-tuning metric over a series of checkpoints, and puts a bootstrap
 * interval on it: each resample draws every checkpoint's seeds again with replacement and recomputes
 * everything downstream (best learning rate, minimum, degradation), so the interval carries the noise of
 * choosing the learning rate as well as of measuring the loss.
 */
final class InflectionSearch {
    /** A metric of the fine-tuned model at one checkpoint, given a draw of seeds (NaN when it has none). */
    record Metric(String key, String label, ToDoubleBiFunction<FineTuneGrid, long[]> value) {}

    private final List<String> names;
    private final long[] tokens;
    private final List<FineTuneGrid> grids;

    /** Checkpoints in token order, with their fine-tune grids. */
    InflectionSearch(List<String> names, long[] tokens, List<FineTuneGrid> grids) {
        this.names = List.copyOf(names);
        this.tokens = tokens.clone();
        this.grids = List.copyOf(grids);
    }

    /** The tuned-protocol metrics first, then the fixed-learning-rate ones. */
    static List<Metric> fineTuneMetrics(List<Double> learningRates) {
        List<Metric> out = new ArrayList<>();
        out.add(new Metric("finetune.tuned.id_test_loss", "ID test loss after fine-tuning (best LR)",
                (g, draw) -> orNaN(g.tuned(draw), FineTuneOutcome::idTestLoss)));
        out.add(new Metric("finetune.tuned.ood_loss", "OOD loss after fine-tuning (best LR)",
                (g, draw) -> orNaN(g.tuned(draw), FineTuneOutcome::oodLoss)));
        for (double lr : learningRates) {
            String name = "lr=" + Format.number(lr);
            out.add(new Metric("finetune." + name + ".id_test_loss", "ID test loss after fine-tuning at LR " + Format.number(lr),
                    (g, draw) -> orNaN(g.at(lr, draw), FineTuneOutcome::idTestLoss)));
            out.add(new Metric("finetune." + name + ".ood_loss", "OOD loss after fine-tuning at LR " + Format.number(lr),
                    (g, draw) -> orNaN(g.at(lr, draw), FineTuneOutcome::oodLoss)));
        }
        return out;
    }

    private static double orNaN(FineTuneOutcome o, ToDoubleFunction<FineTuneOutcome> f) {
        return o == null ? Double.NaN : f.applyAsDouble(o);
    }

    List<Inflection> find(List<Metric> metrics, int resamples, long rngSeed) {
        int m = metrics.size();
        double[][] degradation = new double[m][resamples];
        int[][] argmin = new int[m][resamples];
        Random rng = new Random(rngSeed);
        long[][] draw = new long[grids.size()][];
        for (int b = 0; b < resamples; b++) {
            for (int c = 0; c < grids.size(); c++) {
                draw[c] = resample(grids.get(c).seeds(), rng);
            }
            for (int k = 0; k < m; k++) {
                double[] v = values(metrics.get(k), draw);
                Shape s = Shape.of(v);
                degradation[k][b] = s.degradation(v);
                argmin[k][b] = s.min();
            }
        }
        long[][] allSeeds = new long[grids.size()][];
        for (int c = 0; c < grids.size(); c++) {
            allSeeds[c] = grids.get(c).seeds();
        }
        List<Inflection> out = new ArrayList<>();
        for (int k = 0; k < m; k++) {
            out.add(inflection(metrics.get(k), values(metrics.get(k), allSeeds), degradation[k], argmin[k]));
        }
        return out;
    }

    private Inflection inflection(Metric metric, double[] v, double[] bootDegradation, int[] bootArgmin) {
        Shape s = Shape.of(v);
        int present = 0;
        int fewestSeeds = Integer.MAX_VALUE;
        for (int c = 0; c < v.length; c++) {
            if (Double.isFinite(v[c])) {
                present++;
                fewestSeeds = Math.min(fewestSeeds, grids.get(c).seeds().length);
            }
        }
        if (present < 2) {
            return new Inflection(metric.key(), metric.label(), Inflection.Verdict.TOO_FEW_CHECKPOINTS, present,
                    null, 0, Double.NaN, 0, Double.NaN, Double.NaN, Interval.NONE, Double.NaN, 0);
        }
        double[] finite = Arrays.stream(bootDegradation).filter(Double::isFinite).toArray();
        int sameMin = 0;
        for (int a : bootArgmin) {
            sameMin += a == s.min() ? 1 : 0;
        }
        Interval ci = fewestSeeds < 2 || finite.length == 0 ? Interval.NONE
                : new Interval(Stats.percentile(finite, 0.025), Stats.percentile(finite, 0.975));
        Inflection.Verdict verdict;
        if (s.min() == s.last()) {
            verdict = Inflection.Verdict.NONE_IN_RANGE;
        } else if (!ci.available()) {
            verdict = Inflection.Verdict.UNTESTED;
        } else {
            verdict = ci.lo() > 0 ? Inflection.Verdict.SIGNIFICANT : Inflection.Verdict.NOT_SIGNIFICANT;
        }
        return new Inflection(metric.key(), metric.label(), verdict, present, names.get(s.min()), tokens[s.min()], v[s.min()],
                tokens[s.last()], v[s.last()], s.degradation(v), ci, (double) sameMin / bootArgmin.length, bootArgmin.length);
    }

    private double[] values(Metric metric, long[][] draw) {
        double[] v = new double[grids.size()];
        for (int c = 0; c < v.length; c++) {
            v[c] = metric.value().applyAsDouble(grids.get(c), draw[c]);
        }
        return v;
    }

    private static long[] resample(long[] seeds, Random rng) {
        long[] out = new long[seeds.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = seeds[rng.nextInt(seeds.length)];
        }
        return out;
    }

    /** The minimum (earliest on a tie) and the last of the finite values; -1 for both when there are none. */
    record Shape(int min, int last) {
        static Shape of(double[] v) {
            int min = -1;
            int last = -1;
            for (int i = 0; i < v.length; i++) {
                if (Double.isFinite(v[i])) {
                    if (min < 0 || v[i] < v[min]) {
                        min = i;
                    }
                    last = i;
                }
            }
            return new Shape(min, last);
        }

        double degradation(double[] v) {
            return min < 0 ? Double.NaN : v[last] - v[min];
        }
    }
}
