package dev.overtune.analysis;

/** The normal and Student's t distributions, written out so that each number can be checked against a table. */
public final class Distributions {
    private Distributions() {}

    /** Φ⁻¹(p), by Newton's method from 0: Φ is concave above 0, so the steps climb to the root without overshooting. */
    public static double normalQuantile(double p) {
        checkProbability(p);
        if (p < 0.5) {
            return -normalQuantile(1 - p);
        }
        double x = 0;
        for (int i = 0; i < 100; i++) {
            double step = (p - normalCdf(x)) / (Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI));
            x += step;
            if (Math.abs(step) < 1e-14 * (1 + Math.abs(x))) {
                break;
            }
        }
        return x;
    }

    /** Φ(x) from the complementary error function. */
    public static double normalCdf(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    /** P(T ≤ t) for Student's t with df degrees of freedom (df need not be whole); the normal for infinite df. */
    public static double tCdf(double t, double df) {
        if (!(df > 0)) {
            throw new IllegalArgumentException("t needs positive degrees of freedom, got " + df);
        }
        if (Double.isInfinite(df)) {
            return normalCdf(t);
        }
        double tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /**
     * The p quantile of Student's t with df degrees of freedom, by Newton's method from the normal quantile:
     * above 0 the t distribution function is concave and its quantile lies beyond the normal one, so the steps
     * climb to it without overshooting.
     */
    public static double tQuantile(double p, double df) {
        checkProbability(p);
        if (Double.isInfinite(df)) {
            return normalQuantile(p);
        }
        if (p < 0.5) {
            return -tQuantile(1 - p, df);
        }
        double logNorm = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
        double x = normalQuantile(p);
        for (int i = 0; i < 10_000; i++) {
            double density = Math.exp(logNorm - (df + 1) / 2 * Math.log1p(x * x / df));
            double step = (p - tCdf(x, df)) / density;
            x += step;
            if (Math.abs(step) < 1e-13 * (1 + Math.abs(x))) {
                break;
            }
        }
        return x;
    }

    private static void checkProbability(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("a quantile needs 0 < p < 1, got " + p);
        }
    }

    /** erfc by its continued fraction for |x| ≥ 2 and its Taylor series of erf below. */
    static double erfc(double x) {
        if (x < 0) {
            return 2 - erfc(-x);
        }
        if (x < 2) {
            // erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
            double sum = 0;
            double term = x;
            for (int n = 0; n < 200; n++) {
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
                term *= -x * x / (n + 1);
            }
            return 1 - 2 / Math.sqrt(Math.PI) * sum;
        }
        // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the bottom up
        double f = x;
        for (int n = 120; n >= 1; n--) {
            f = x + (n / 2.0) / f;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    /** I_x(a, b), the regularized incomplete beta function, by its continued fraction (modified Lentz). */
    static double regularizedBeta(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        if (x > (a + 1) / (a + b + 2)) {
            return 1 - regularizedBeta(1 - x, b, a);
        }
        double front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b)) / a;
        double tiny = 1e-300;
        double f = 1;
        double c = 1;
        double d = 0;
        for (int i = 0; i <= 400; i++) {
            int m = i / 2;
            double numerator;
            if (i == 0) {
                numerator = 1;
            } else if (i % 2 == 0) {
                numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            } else {
                numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
            }
            d = 1 + numerator * d;
            d = Math.abs(d) < tiny ? tiny : d;
            d = 1 / d;
            c = 1 + numerator / c;
            c = Math.abs(c) < tiny ? tiny : c;
            double cd = c * d;
            f *= cd;
            if (Math.abs(1 - cd) < 1e-15) {
                return front * (f - 1);
            }
        }
        return front * (f - 1);
    }

    private static double logBeta(double a, double b) {
        return logGamma(a) + logGamma(b) - logGamma(a + b);
    }

    /** ln Γ(x) for x > 0: Stirling's series after shifting x above 10 with the recurrence Γ(x+1) = xΓ(x). */
    static double logGamma(double x) {
        double shift = 0;
        while (x < 10) {
            shift += Math.log(x);
            x += 1;
        }
        double inv = 1 / x;
        double inv2 = inv * inv;
        double series = inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 * (1.0 / 1680 - inv2 / 1188))));
        return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
    }
}
