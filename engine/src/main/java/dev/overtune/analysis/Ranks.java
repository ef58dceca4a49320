package dev.overtune.analysis;

import java.util.Arrays;

/** Ranks and Spearman's rank correlation (ties get their average rank). */
public final class Ranks {
    private Ranks() {}

    /** Spearman's ρ; NaN when either side is constant or there are fewer than two pairs. */
    public static double spearman(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("spearman needs paired samples, got " + x.length + " and " + y.length);
        }
        if (x.length < 2) {
            return Double.NaN;
        }
        return pearson(of(x), of(y));
    }

    public static double[] of(double[] xs) {
        Integer[] order = new Integer[xs.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(xs[a], xs[b]));
        double[] r = new double[xs.length];
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && xs[order[j + 1]] == xs[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = rank;
            }
            i = j + 1;
        }
        return r;
    }

    private static double pearson(double[] x, double[] y) {
        double mx = Moments.mean(x);
        double my = Moments.mean(y);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }
}
