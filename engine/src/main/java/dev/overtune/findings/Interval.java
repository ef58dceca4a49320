package dev.overtune.findings;

/** A two-sided 95% interval; both ends are NaN where none could be estimated (a single sample or seed). */
public record Interval(double lo, double hi) {
    public static final Interval NONE = new Interval(Double.NaN, Double.NaN);

    public boolean available() {
        return Double.isFinite(lo) && Double.isFinite(hi);
    }

    public boolean contains(double x) {
        return available() && lo <= x && x <= hi;
    }
}
