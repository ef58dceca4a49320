package dev.overtune.analysis;

/**
 * The difference "after − before" of a metric measured on the same rows (fine-tune seeds, or noise samples,
 * each with the same data order or draws at every checkpoint) and the same evaluation windows. Pairing
 * cancels what a row or a window shares between the two measurements; what is left is a two-way crossed
 * design: d[r][w] = μ + row effect + window effect + interaction. Its variance is estimated conservatively
 * as var(row means)/R + var(window means)/W (each term also carries the interaction once, so the sum
 * overstates it by σ²/(RW)), with Welch–Satterthwaite degrees of freedom. When the metric is a weighted mean
 * of its windows (a label task's loss per token, each example weighted by its tokens), the window term is
 * the squared standard error of the weighted mean of the window differences, a ratio estimator
 * ({@link Moments#weightedStderr}); equal weights give var(window means)/W.
 */
public final class PairedDifference {
    private PairedDifference() {}

    /**
     * @param before        the metric per row at the first measurement
     * @param after         the metric per row at the second, same rows in the same order
     * @param beforeWindows per row, the per-window losses behind {@code before}; null when the store has none
     * @param afterWindows  the same for {@code after}
     */
    public static Measurement of(double[] before, double[] after, double[][] beforeWindows, double[][] afterWindows) {
        return of(before, after, beforeWindows, afterWindows, null);
    }

    /**
     * As {@link #of(double[], double[], double[][], double[][])}, for a metric that is the mean of its windows
     * weighted by {@code windowWeights} (the same windows, so the same weights, in every row and at both
     * measurements); null when every window weighs the same.
     */
    public static Measurement of(double[] before, double[] after, double[][] beforeWindows, double[][] afterWindows,
                                 double[] windowWeights) {
        int rows = before.length;
        if (rows != after.length) {
            throw new IllegalArgumentException("paired rows differ in number: " + rows + " and " + after.length);
        }
        if (rows == 0) {
            return Measurement.NONE;
        }
        double[] d = new double[rows];
        for (int r = 0; r < rows; r++) {
            d[r] = after[r] - before[r];
        }
        double estimate = Moments.mean(d);
        double rowTerm = rows >= 2 ? Moments.variance(d) / rows : Double.NaN;
        double[] windowMeans = windowMeans(beforeWindows, afterWindows, rows);
        if (windowMeans == null || windowMeans.length < 2) {
            return rows >= 2 ? new Measurement(estimate, Math.sqrt(rowTerm), rows - 1, Measurement.Covers.SEEDS_ONLY)
                    : new Measurement(estimate, Double.NaN, Double.NaN, Measurement.Covers.NOTHING);
        }
        int w = windowMeans.length;
        if (windowWeights != null && windowWeights.length != w) {
            throw new IllegalArgumentException(w + " windows but " + windowWeights.length + " window weights");
        }
        double windowSe = Moments.stderr(windowMeans, windowWeights);
        double windowTerm = windowSe * windowSe;
        if (rows < 2) {
            return new Measurement(estimate, Math.sqrt(windowTerm), w - 1, Measurement.Covers.EVALUATION_ONLY);
        }
        double total = rowTerm + windowTerm;
        double denominator = rowTerm * rowTerm / (rows - 1) + windowTerm * windowTerm / (w - 1);
        double df = denominator == 0 ? Double.POSITIVE_INFINITY : total * total / denominator;
        return new Measurement(estimate, Math.sqrt(total), df, Measurement.Covers.SEEDS_AND_EVALUATION);
    }

    /** Per window, the mean over rows of after − before; null unless every row has windows, all of one length. */
    private static double[] windowMeans(double[][] before, double[][] after, int rows) {
        if (before == null || after == null || before.length != rows || after.length != rows) {
            return null;
        }
        int w = -1;
        for (int r = 0; r < rows; r++) {
            if (before[r] == null || after[r] == null || before[r].length != after[r].length || (w >= 0 && before[r].length != w)) {
                return null;
            }
            w = before[r].length;
        }
        double[] means = new double[w];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < w; i++) {
                means[i] += (after[r][i] - before[r][i]) / rows;
            }
        }
        return means;
    }
}
