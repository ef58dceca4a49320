package dev.overtune.analysis;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Holm's (1979) step-down adjustment: sorted ascending, the i-th smallest p (from 0) is multiplied by m − i,
 * adjusted values are made non-decreasing in that order and capped at 1. Rejecting where the adjusted p is
 * at most α keeps the family-wise error at α whatever the dependence between the tests.
 */
public final class Holm {
    private Holm() {}

    /** Adjusted p-values in the order given; NaN entries are not tests and stay NaN (they do not count in m). */
    public static double[] adjust(double[] p) {
        Integer[] order = java.util.stream.IntStream.range(0, p.length).filter(i -> Double.isFinite(p[i])).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
        double[] out = new double[p.length];
        Arrays.fill(out, Double.NaN);
        int m = order.length;
        double running = 0;
        for (int i = 0; i < m; i++) {
            running = Math.max(running, Math.min(1, (m - i) * p[order[i]]));
            out[order[i]] = running;
        }
        return out;
    }
}
