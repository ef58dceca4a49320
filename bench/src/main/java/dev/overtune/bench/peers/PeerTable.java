package dev.overtune.bench.peers;

import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/** The side-by-side table: one row per job, medians of both sides, their speed ratio, fraction of peak, peak RSS. */
public final class PeerTable {
    private static final String ROW = "%-19s %-10s %11s %11s  %-20s %9s %9s %8s  %8s %8s%n";
    private static final String NONE = "—";

    private PeerTable() {}

    /** The rows, with "% of peak" against {@code peakGflops}, the fastest overtune matmul of the run. */
    public static String render(List<JobResult> rows, double peakGflops) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, ROW, "job", "unit", "overtune", "PyTorch", "overtune/PyTorch", "overtune", "PyTorch", "ceiling", "peak RSS", "MiB"));
        out.append(String.format(Locale.ROOT, ROW, "", "", "median", "median", "speed (min–max)", "% of peak", "% of peak", "ratio", "overtune", "PyTorch"));
        for (JobResult r : rows) {
            out.append(String.format(Locale.ROOT, ROW, r.job().label(), r.job().unit().label(),
                    figure(r.overtuneMedian()), figure(r.pytorchMedian()), ratio(r), percent(r.fractionOfPeak(peakGflops * 1e9)),
                    percent(r.pytorchFractionOfPeak(peakGflops * 1e9)), ceiling(r.pytorchFractionOfPeak(peakGflops * 1e9)),
                    mib(r.overtuneRss()), mib(r.pytorchRss())));
        }
        return out.toString();
    }

    /** What the columns mean; printed under the table. */
    public static String legend(double peakGflops) {
        return String.format(Locale.ROOT, """
                speed: overtune's figure over PyTorch's in the same round (for ms/load: PyTorch's time over overtune's),
                       median over rounds, with the slowest and fastest round; above 1 overtune is faster.
                %% of peak: the median FLOP/s of the graph's MatMul nodes over the fastest ONNX Runtime 1024³ MatMul of
                       the run (%.1f GFLOP/s; one after every round of every row). The probes count their eval graph's
                       FLOPs only, so time spent perturbing lowers theirs. The matmul row is each side's own kernel.
                ceiling ratio: 1 / PyTorch's fraction of peak, the speed ratio overtune would reach doing the same matmuls
                       at 100%% of that peak; a target above it cannot be met without doing less work than PyTorch does.
                peak RSS: VmHWM of each worker process, reset before the row's warm-up, read after its last round.
                """, peakGflops);
    }

    static String figure(double v) {
        if (Double.isNaN(v)) {
            return NONE;
        }
        double a = Math.abs(v);
        String format = a >= 100 ? "%,.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, format, v);
    }

    static String ratio(JobResult r) {
        double[] ratios = r.speedRatios();
        if (ratios.length == 0) {
            return NONE;
        }
        return String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", Stats.median(ratios), Stats.min(ratios), Stats.max(ratios));
    }

    static String percent(double fraction) {
        return Double.isNaN(fraction) ? NONE : String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    static String ceiling(double pytorchFraction) {
        return Double.isNaN(pytorchFraction) ? NONE : String.format(Locale.ROOT, "%.2f", 1 / pytorchFraction);
    }

    static String mib(OptionalLong kib) {
        return kib.isEmpty() ? NONE : String.format(Locale.ROOT, "%,.0f", kib.getAsLong() / 1024.0);
    }
}
