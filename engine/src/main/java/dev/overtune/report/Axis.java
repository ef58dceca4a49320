package dev.overtune.report;

import java.util.ArrayList;
import java.util.List;

/**
 * One axis of a chart: its range (padded a little beyond the data), where values fall on it, and
 * round-numbered ticks. A log axis ticks decades when it spans several, 1-2-5 or 1…9 steps when it spans
 * less, so a short series still gets labelled ticks.
 */
final class Axis {
    private static final double PAD = 0.04;

    private final double min;
    private final double max;
    private final boolean log;
    private final List<Double> ticks;
    private final List<Double> minorTicks;
    private final double step;

    private Axis(double min, double max, boolean log, List<Double> ticks, List<Double> minorTicks, double step) {
        this.min = min;
        this.max = max;
        this.log = log;
        this.ticks = List.copyOf(ticks);
        this.minorTicks = List.copyOf(minorTicks);
        this.step = step;
    }

    static Axis linear(double dataMin, double dataMax) {
        if (!(dataMax > dataMin)) {
            double half = dataMin == 0 ? 1 : Math.abs(dataMin) * 0.05;
            dataMin -= half;
            dataMax += half;
        }
        double pad = (dataMax - dataMin) * PAD;
        double lo = dataMin - pad;
        double hi = dataMax + pad;
        double step = niceStep((hi - lo) / 5);
        List<Double> ticks = new ArrayList<>();
        for (long k = (long) Math.ceil(lo / step - 1e-9); k <= (long) Math.floor(hi / step + 1e-9); k++) {
            ticks.add(k * step);
        }
        return new Axis(lo, hi, false, ticks, List.of(), step);
    }

    /** @throws IllegalArgumentException unless both ends are positive */
    static Axis log(double dataMin, double dataMax) {
        if (!(dataMin > 0 && dataMax > 0)) {
            throw new IllegalArgumentException("a log axis needs positive values, got " + dataMin + ".." + dataMax);
        }
        double lo = Math.log10(dataMin);
        double hi = Math.log10(dataMax);
        if (hi - lo < 0.1) {
            lo -= 0.05;
            hi += 0.05;
        }
        double pad = (hi - lo) * PAD;
        lo -= pad;
        hi += pad;
        double[][] mantissas = {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
        for (double[] m : mantissas) {
            List<Double> ticks = logTicks(lo, hi, m, decadeStride(hi - lo));
            if (ticks.size() >= 3 || (m.length == 9 && ticks.size() >= 2)) {
                List<Double> minor = m.length == 1 && hi - lo <= 6
                        ? logTicks(lo, hi, new double[] {2, 3, 4, 5, 6, 7, 8, 9}, 1) : List.of();
                return new Axis(Math.pow(10, lo), Math.pow(10, hi), true, ticks, minor, Double.NaN);
            }
        }
        // Less than a factor of two across: round linear steps, placed on the log scale.
        Axis lin = linear(dataMin, dataMax);
        List<Double> ticks = lin.ticks.stream().filter(t -> t > 0).toList();
        return new Axis(Math.pow(10, lo), Math.pow(10, hi), true, ticks, List.of(), lin.step);
    }

    private static int decadeStride(double decades) {
        return (int) Math.max(1, Math.ceil(decades / 8));
    }

    private static List<Double> logTicks(double lo, double hi, double[] mantissas, int decadeStride) {
        List<Double> out = new ArrayList<>();
        for (int e = (int) Math.floor(lo); e <= (int) Math.ceil(hi); e++) {
            if (mantissas.length == 1 && Math.floorMod(e, decadeStride) != 0) {
                continue;
            }
            for (double m : mantissas) {
                double v = m * Math.pow(10, e);
                double lv = Math.log10(v);
                if (lv >= lo - 1e-9 && lv <= hi + 1e-9) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    /**
     * This axis ticked at {@code at} instead (e.g. the checkpoints' token budgets), those within its range; unchanged when
     * none is. The range and the scale stay as they are.
     */
    Axis withTicksAt(List<Double> at) {
        List<Double> inside = at.stream().filter(v -> shows(v) && v >= min && v <= max).distinct().sorted().toList();
        return inside.isEmpty() ? this : new Axis(min, max, log, inside, List.of(), step);
    }

    /** 1, 2, 2.5 or 5 times a power of ten, the nearest to {@code rough}. */
    static double niceStep(double rough) {
        double exp = Math.floor(Math.log10(rough));
        double f = rough / Math.pow(10, exp);
        double nice = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10;
        return nice * Math.pow(10, exp);
    }

    /** Where v falls, 0 at the low end and 1 at the high end. */
    double fraction(double v) {
        return log ? (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min)) : (v - min) / (max - min);
    }

    boolean shows(double v) {
        return (!log || v > 0) && Double.isFinite(v);
    }

    double min() {
        return min;
    }

    double max() {
        return max;
    }

    List<Double> ticks() {
        return ticks;
    }

    List<Double> minorTicks() {
        return minorTicks;
    }

    /** Decimals that tell neighbouring linear ticks apart (0 for a log axis, whose labels are formatted by value). */
    int decimals() {
        return Double.isNaN(step) ? 0 : (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9) + (niceDigit(step) == 2.5 ? 1 : 0));
    }

    private static double niceDigit(double step) {
        return Math.round(step / Math.pow(10, Math.floor(Math.log10(step))) * 10) / 10.0;
    }
}
