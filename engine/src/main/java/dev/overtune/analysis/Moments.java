package dev.overtune.analysis;

/** Mean and sample variance, plain or weighted. */
public final class Moments {
    private Moments() {}

    public static double mean(double[] xs) {
        if (xs.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    /** Sample variance (n − 1 in the denominator); NaN below two values. */
    public static double variance(double[] xs) {
        if (xs.length < 2) {
            return Double.NaN;
        }
        double m = mean(xs);
        double ss = 0;
        for (double x : xs) {
            ss += (x - m) * (x - m);
        }
        return ss / (xs.length - 1);
    }

    /** Σ wᵢxᵢ / Σ wᵢ; NaN when the weights sum to 0. */
    public static double weightedMean(double[] x, double[] w) {
        requireSameLength(x, w);
        double s = 0;
        double sw = 0;
        for (int i = 0; i < x.length; i++) {
            s += w[i] * x[i];
            sw += w[i];
        }
        return sw > 0 ? s / sw : Double.NaN;
    }

    /**
     * Standard error of the weighted mean as a ratio estimator (the examples drawn at random, each with its
     * weight): √(n/(n−1) · Σ wᵢ²(xᵢ − m)²) / Σ wᵢ. Equal weights give √(variance/n). NaN below two values.
     */
    public static double weightedStderr(double[] x, double[] w) {
        requireSameLength(x, w);
        int n = x.length;
        if (n < 2) {
            return Double.NaN;
        }
        double m = weightedMean(x, w);
        double sw = 0;
        double ss = 0;
        for (int i = 0; i < n; i++) {
            sw += w[i];
            ss += w[i] * w[i] * (x[i] - m) * (x[i] - m);
        }
        return Math.sqrt(ss * n / (n - 1)) / sw;
    }

    /** The standard error of the mean of {@code x}, weighted by {@code w} unless it is null. */
    public static double stderr(double[] x, double[] w) {
        return w == null ? Math.sqrt(variance(x) / x.length) : weightedStderr(x, w);
    }

    private static void requireSameLength(double[] x, double[] w) {
        if (x.length != w.length) {
            throw new IllegalArgumentException(x.length + " values but " + w.length + " weights");
        }
    }
}
