package dev.overtune.analysis;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One-sided permutation (randomisation) test over the order of checkpoints: p is the share of orderings of
 * the observed per-checkpoint values whose statistic is at least the observed one. Valid whenever, under the
 * null, the values are exchangeable: a flat curve plus independent checkpoint-to-checkpoint scatter plus seed
 * and evaluation noise that is paired (the same seeds and windows at every checkpoint) is.
 */
public final class PermutationTest {
    /** Two statistics this close are one value: sums of ±1 divided by a square root are not exact in floating point. */
    private static final double TIE = 1e-9;
    private static final ConcurrentMap<String, double[]> NULLS = new ConcurrentHashMap<>();

    /**
     * @param p          the p-value: #{orderings at least as extreme}/K! when exact, else (1 + #)/(1 + N)
     * @param floor      the smallest p any ordering of these values could give (the most extreme one's)
     * @param statistic  the observed statistic
     * @param orderings  how many orderings it was compared with
     * @param exact      all K! orderings (true) or a seeded random sample of them
     */
    public record Result(double p, double floor, double statistic, int orderings, boolean exact) {
        public static final Result NONE = new Result(Double.NaN, Double.NaN, Double.NaN, 0, false);

        public boolean available() {
            return Double.isFinite(p);
        }
    }

    private PermutationTest() {}

    public static Result upper(double[] series, OrderStatistic statistic) {
        int k = series.length;
        Orderings orderings = Orderings.of(k);
        double observed = statistic.of(series);
        if (!Double.isFinite(observed)) {
            return Result.NONE;
        }
        double[] nullStats = statistic.rankOnly() && !hasTies(series)
                ? NULLS.computeIfAbsent(statistic.name() + "/" + k, key -> sortedNull(ranks(k), statistic, orderings))
                : sortedNull(series, statistic, orderings);
        int n = nullStats.length;
        int atLeast = n - lowerBound(nullStats, observed - TIE);
        int atMax = n - lowerBound(nullStats, nullStats[n - 1] - TIE);
        // A random sample's first ordering is the identity, so #/(N + 1) there is the usual (1 + #others)/(1 + N).
        return new Result((double) atLeast / n, (double) atMax / n, observed, n, orderings.exact());
    }

    /** The smallest p the test can give for K values without ties: what limits a verdict before any data is in. */
    public static double floor(int k, OrderStatistic statistic) {
        if (!statistic.rankOnly()) {
            throw new IllegalArgumentException(statistic.name() + " depends on the values, so its floor does too");
        }
        Result r = upper(ranks(k), statistic);
        return r.floor();
    }

    private static double[] ranks(int k) {
        double[] r = new double[k];
        for (int i = 0; i < k; i++) {
            r[i] = i;
        }
        return r;
    }

    private static double[] sortedNull(double[] series, OrderStatistic statistic, Orderings orderings) {
        double[] out = new double[orderings.size()];
        double[] permuted = new double[series.length];
        for (int i = 0; i < out.length; i++) {
            int[] order = orderings.get(i);
            for (int c = 0; c < permuted.length; c++) {
                permuted[c] = series[order[c]];
            }
            out[i] = statistic.of(permuted);
        }
        Arrays.sort(out);
        return out;
    }

    private static boolean hasTies(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        for (int i = 1; i < s.length; i++) {
            if (s[i] == s[i - 1]) {
                return true;
            }
        }
        return false;
    }

    /** The first index whose value is ≥ x. */
    private static int lowerBound(double[] sorted, double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
