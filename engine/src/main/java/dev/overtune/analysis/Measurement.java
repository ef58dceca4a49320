package dev.overtune.analysis;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A measured difference with its standard error and degrees of freedom, and which noise the error covers.
 * It is a measurement interval: seed (or noise-sample) and evaluation noise of these very units; scatter
 * between checkpoints that more seeds would not remove is not in it (the permutation p covers that).
 */
public record Measurement(double estimate, double se, double df, Covers covers) {
    public static final Measurement NONE = new Measurement(Double.NaN, Double.NaN, Double.NaN, Covers.NOTHING);

    /** Which noise the standard error includes. */
    public enum Covers {
        SEEDS_AND_EVALUATION("seed and evaluation noise"),
        SEEDS_ONLY("seed noise only (no per-window losses stored)"),
        EVALUATION_ONLY("evaluation noise only (one seed)"),
        NOTHING("no interval (one seed and no per-window losses)");

        private final String words;

        Covers(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }

    public boolean hasInterval() {
        // Infinite df (no spread in either term) still gives an interval: the normal's, of width 0.
        return Double.isFinite(se) && df > 0;
    }

    /**
     * The two-sided interval at this confidence (e.g. 0.95) from Student's t with {@link #df} degrees of freedom
     * rounded down (to at least 1): a little wider than the fractional df would give, and a few quantiles
     * serve a whole calibration.
     */
    public double[] interval(double confidence) {
        if (!hasInterval()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double whole = Double.isInfinite(df) || df > 1e6 ? Double.POSITIVE_INFINITY : Math.max(1, Math.floor(df));
        double half = QUANTILES.computeIfAbsent(new Key(confidence, whole),
                k -> Distributions.tQuantile(1 - (1 - k.confidence()) / 2, k.df())) * se;
        return new double[] {estimate - half, estimate + half};
    }

    private record Key(double confidence, double df) {}

    private static final ConcurrentMap<Key, Double> QUANTILES = new ConcurrentHashMap<>();
}
