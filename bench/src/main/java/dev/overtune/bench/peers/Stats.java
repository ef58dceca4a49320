package dev.overtune.bench.peers;

import java.util.Arrays;

/** Order statistics of a few samples. */
public final class Stats {
    private Stats() {}

    /** The middle value, or the mean of the two middle values; NaN for no samples. */
    public static double median(double[] samples) {
        if (samples.length == 0) {
            return Double.NaN;
        }
        double[] s = samples.clone();
        Arrays.sort(s);
        int mid = s.length / 2;
        return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }

    public static double min(double[] samples) {
        return Arrays.stream(samples).min().orElse(Double.NaN);
    }

    public static double max(double[] samples) {
        return Arrays.stream(samples).max().orElse(Double.NaN);
    }
}
