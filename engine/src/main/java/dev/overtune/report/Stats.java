package dev.overtune.report;

import java.util.Arrays;
import java.util.Random;

/** The few statistics a report needs, written out so that each number can be checked by hand. */
final class Stats {
    private Stats() {}

    /** Student's t 0.975 quantiles for 1..30 degrees of freedom. */
    private static final double[] T975 = {
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
        2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
        2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};

    static double mean(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    /** Sample standard deviation (n − 1 in the denominator). */
    static double sd(double[] xs) {
        if (xs.length < 2) {
            return Double.NaN;
        }
        double m = mean(xs);
        double ss = 0;
        for (double x : xs) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (xs.length - 1));
    }

    /** The 0.975 quantile of Student's t: a table to 30 degrees of freedom, the Cornish–Fisher expansion beyond. */
    static double t975(int df) {
        if (df < 1) {
            return Double.NaN;
        }
        if (df <= T975.length) {
            return T975[df - 1];
        }
        double z = 1.959963984540054;
        double z3 = z * z * z;
        double z5 = z3 * z * z;
        double z7 = z5 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df)
                + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384.0 * df * df * df);
    }

    /** 95% t-interval for the mean; {@link Interval#NONE} with fewer than two samples. */
    static Interval tInterval95(double[] xs) {
        if (xs.length < 2) {
            return Interval.NONE;
        }
        double half = t975(xs.length - 1) * sd(xs) / Math.sqrt(xs.length);
        double m = mean(xs);
        return new Interval(m - half, m + half);
    }

    /** Percentile with linear interpolation between order statistics (R's type 7, NumPy's default). */
    static double percentile(double[] xs, double p) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double[] s = xs.clone();
        Arrays.sort(s);
        double h = (s.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (h - lo) * (s[hi] - s[lo]);
    }

    /** Spearman's rank correlation (ties get their average rank); NaN when either side is constant or n < 2. */
    static double spearman(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("spearman needs paired samples, got " + x.length + " and " + y.length);
        }
        if (x.length < 2) {
            return Double.NaN;
        }
        return pearson(ranks(x), ranks(y));
    }

    /** Up to this many points the permutation test enumerates every ordering (8! = 40320). */
    private static final int EXACT_PERMUTATIONS_UP_TO = 8;
    private static final int RANDOM_PERMUTATIONS = 20_000;

    /**
     * Two-sided p-value of Spearman's ρ under "no relation": the share of orderings of y whose |ρ| is at
     * least the observed one. Exact for n ≤ 8; beyond that from random orderings drawn with a fixed seed.
     */
    static double spearmanPValue(double[] x, double[] y) {
        double observed = Math.abs(spearman(x, y));
        if (Double.isNaN(observed)) {
            return Double.NaN;
        }
        double[] rx = ranks(x);
        double[] ry = ranks(y);
        double threshold = observed - 1e-12;
        if (x.length <= EXACT_PERMUTATIONS_UP_TO) {
            long[] counts = new long[2];
            permute(ry.clone(), 0, rx, threshold, counts);
            return (double) counts[0] / counts[1];
        }
        Random rng = new Random(1);
        double[] p = ry.clone();
        int extreme = 0;
        for (int i = 0; i < RANDOM_PERMUTATIONS; i++) {
            for (int j = p.length - 1; j > 0; j--) {
                int k = rng.nextInt(j + 1);
                double t = p[j];
                p[j] = p[k];
                p[k] = t;
            }
            extreme += Math.abs(pearson(rx, p)) >= threshold ? 1 : 0;
        }
        return (extreme + 1.0) / (RANDOM_PERMUTATIONS + 1.0);
    }

    /** counts[0]: orderings at least as extreme; counts[1]: all orderings. */
    private static void permute(double[] a, int from, double[] rx, double threshold, long[] counts) {
        if (from == a.length) {
            double r = pearson(rx, a);
            counts[0] += !Double.isNaN(r) && Math.abs(r) >= threshold ? 1 : 0;
            counts[1]++;
            return;
        }
        for (int i = from; i < a.length; i++) {
            double t = a[from];
            a[from] = a[i];
            a[i] = t;
            permute(a, from + 1, rx, threshold, counts);
            a[i] = a[from];
            a[from] = t;
        }
    }

    static double[] ranks(double[] xs) {
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
        double mx = mean(x);
        double my = mean(y);
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
