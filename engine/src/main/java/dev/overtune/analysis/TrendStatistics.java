package dev.overtune.analysis;

/** The two order statistics the report tests with. Both depend on the values only through comparisons. */
public final class TrendStatistics {
    private TrendStatistics() {}

    /**
     * "Past some checkpoint the series rises": the largest, over break points b with at least three
     * checkpoints from b to the end, of the tail's Mann–Kendall S (pairs i &lt; j from b on that rise minus
     * those that fall) over its null standard deviation √(L(L−1)(2L+5)/18). Only the tail counts: a series
     * that falls before it rises gains nothing from the fall, and a series that keeps falling scores low, so
     * a decreasing curve is not mistaken for an inflection.
     */
    public static final OrderStatistic RISING_TAIL = new OrderStatistic("rising-tail", TrendStatistics::risingTail, true);

    /** Spearman's ρ of the values with their position (token order): large when the series grows. */
    public static final OrderStatistic GROWS = new OrderStatistic("spearman-with-order", TrendStatistics::spearmanWithOrder, true);

    static double risingTail(double[] m) {
        int k = m.length;
        if (k < 3) {
            return Double.NaN;
        }
        double best = Double.NEGATIVE_INFINITY;
        // S of the tail from b grows by the new first point's comparisons with everything after it.
        double s = 0;
        for (int b = k - 1; b >= 0; b--) {
            for (int j = b + 1; j < k; j++) {
                s += Math.signum(m[j] - m[b]);
            }
            int l = k - b;
            if (l >= 3) {
                best = Math.max(best, s / Math.sqrt(l * (l - 1) * (2.0 * l + 5) / 18));
            }
        }
        return best;
    }

    static double spearmanWithOrder(double[] m) {
        if (m.length < 2) {
            return Double.NaN;
        }
        double[] position = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            position[i] = i;
        }
        return Ranks.spearman(position, m);
    }
}
