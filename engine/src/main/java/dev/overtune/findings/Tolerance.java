package dev.overtune.findings;

/**
 * How far two measurements of the same thing may lie apart: {@code |a - b| <= absolute + relative * max(|a|, |b|)}.
 * NaN is never within tolerance, not even of NaN.
 */
public record Tolerance(double absolute, double relative) {
    public Tolerance {
        if (!(absolute >= 0) || !(relative >= 0)) {
            throw new IllegalArgumentException("tolerances must be zero or more, got absolute " + absolute + ", relative " + relative);
        }
    }

    public boolean within(double a, double b) {
        return Math.abs(a - b) <= absolute + relative * Math.max(Math.abs(a), Math.abs(b));
    }
}
