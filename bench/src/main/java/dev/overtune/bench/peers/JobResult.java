package dev.overtune.bench.peers;

import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The measured rounds of one row and the figures the table shows for it. Medians, since on a shared
 * machine the noise is other processes taking cores, which makes a few rounds much slower; ratios
 * are taken per round (the two sides ran back to back) and then their median.
 *
 * @param matmulFlops   FLOPs of the MatMul nodes of one repetition's graph; 0 where no fraction of peak applies
 * @param tokensPerBatch batch × seq, for the tokens/s rows
 * @param overtuneRss   peak resident memory of overtune's worker during this row, if known
 * @param pytorchRss    the same for the PyTorch worker, if it ran
 */
public record JobResult(Job job, List<Round> rounds, int tokensPerBatch, long matmulFlops,
                        OptionalLong overtuneRss, OptionalLong pytorchRss) {
    public JobResult {
        rounds = List.copyOf(rounds);
    }

    public boolean hasPytorch() {
        return !rounds.isEmpty() && rounds.stream().allMatch(r -> r.pytorch() != null);
    }

    public double overtuneMedian() {
        return Stats.median(figures(Round::overtune));
    }

    public double pytorchMedian() {
        return hasPytorch() ? Stats.median(figures(Round::pytorch)) : Double.NaN;
    }

    /** Per round, how many times faster overtune was: its figure over PyTorch's, inverted for times. */
    public double[] speedRatios() {
        if (!hasPytorch()) {
            return new double[0];
        }
        double[] ot = figures(Round::overtune);
        double[] pt = figures(Round::pytorch);
        double[] ratios = new double[ot.length];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = job.unit().higherIsFaster() ? ot[i] / pt[i] : pt[i] / ot[i];
        }
        return ratios;
    }

    public double speedRatio() {
        return Stats.median(speedRatios());
    }

    /** overtune's median MatMul FLOP/s over the given peak FLOP/s; NaN where the job does no matmuls. */
    public double fractionOfPeak(double peakFlopsPerSecond) {
        return fractionOfPeak(peakFlopsPerSecond, Round::overtune);
    }

    /**
     * PyTorch's median MatMul FLOP/s (same model, so the same FLOPs) over the same peak. Its inverse bounds the
     * speed ratio: overtune at 100% of the peak would be 1 / this times faster.
     */
    public double pytorchFractionOfPeak(double peakFlopsPerSecond) {
        return hasPytorch() ? fractionOfPeak(peakFlopsPerSecond, Round::pytorch) : Double.NaN;
    }

    private double fractionOfPeak(double peakFlopsPerSecond, Function<Round, Call> side) {
        if (matmulFlops == 0 || rounds.isEmpty()) {
            return Double.NaN;
        }
        double[] flopsPerSecond = rounds.stream().map(side).mapToDouble(c -> matmulFlops * (double) c.count() / c.seconds()).toArray();
        return Stats.median(flopsPerSecond) / peakFlopsPerSecond;
    }

    /** The fastest overtune call in FLOP/s, for the peak row: the best the machine did in this run. */
    public double bestOvertuneGflops() {
        return Stats.max(figures(Round::overtune));
    }

    private double[] figures(Function<Round, Call> side) {
        return rounds.stream().map(side).mapToDouble(c -> job.figure(c.count(), c.seconds(), tokensPerBatch)).toArray();
    }
}
