package dev.overtune.findings;

import dev.overtune.analysis.Measurement;
import dev.overtune.analysis.PairedDifference;
import dev.overtune.scan.UnitResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Measurement differences between stored units, paired by row (fine-tune seed or noise sample, the same data
 * order or draws at every checkpoint) and by evaluation window; a label task's per-example losses weighted by
 * their tokens, as the metric is.
 */
final class Paired {
    private Paired() {}

    /** metric(after) − metric(before) over the rows both have. */
    static Measurement difference(Map<Long, UnitResult> before, Map<Long, UnitResult> after, String metric) {
        List<Long> rows = new ArrayList<>(before.keySet());
        rows.retainAll(after.keySet());
        rows.removeIf(r -> !Double.isFinite(before.get(r).metric(metric)) || !Double.isFinite(after.get(r).metric(metric)));
        double[] b = new double[rows.size()];
        double[] a = new double[rows.size()];
        double[][] bw = new double[rows.size()][];
        double[][] aw = new double[rows.size()][];
        List<double[]> weights = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            UnitResult ub = before.get(rows.get(i));
            UnitResult ua = after.get(rows.get(i));
            b[i] = ub.metric(metric);
            a[i] = ua.metric(metric);
            bw[i] = ub.samples(metric);
            aw[i] = ua.samples(metric);
            weights.add(ub.weights(metric));
            weights.add(ua.weights(metric));
        }
        if (weights.stream().anyMatch(w -> !Arrays.equals(w, weights.get(0)))) {
            // Different weights mean different examples: the windows cannot be paired, so the interval carries seed noise only.
            return PairedDifference.of(b, a, null, null);
        }
        return PairedDifference.of(b, a, bw, aw, weights.isEmpty() ? null : weights.get(0));
    }

    /** Every row of {@code after} against the one unit {@code before} (e.g. noise samples against the base model). */
    static Measurement againstOne(UnitResult before, Map<Long, UnitResult> after, String metric) {
        Map<Long, UnitResult> same = new TreeMap<>();
        after.keySet().forEach(row -> same.put(row, before));
        return difference(same, after, metric);
    }

    /** The 95% interval of a measurement, or {@link Interval#NONE}. */
    static Interval ci95(Measurement m) {
        if (!m.hasInterval()) {
            return Interval.NONE;
        }
        double[] ci = m.interval(0.95);
        return new Interval(ci[0], ci[1]);
    }
}
