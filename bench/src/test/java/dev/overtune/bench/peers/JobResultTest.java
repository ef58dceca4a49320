package dev.overtune.bench.peers;

import dev.overtune.bench.MatMulPeak;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobResultTest {
    private static final double EPS = 1e-12;

    static Call call(int count, double seconds) {
        return new Call(count, seconds, Double.NaN);
    }

    /** A peak call at the given GFLOP/s. */
    static Call peakAt(double gflops) {
        return call(1, MatMulPeak.FLOPS / (gflops * 1e9));
    }

    @Test
    void medianOfOddEvenAndNoSamples() {
        assertEquals(3, Stats.median(new double[] {5, 1, 3}));
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}));
        assertTrue(Double.isNaN(Stats.median(new double[0])));
        double[] unsorted = {3, 1, 2};
        Stats.median(unsorted);
        assertArrayEquals(new double[] {3, 1, 2}, unsorted, "median must not reorder its input");
    }

    @Test
    void throughputRowsRatioOvertuneOverPytorchPerRound() {
        // 100 tokens per batch; rounds: overtune 1000 and 4000 tokens/s against PyTorch 500 and 1000.
        JobResult r = new JobResult(Job.EVAL, List.of(
                new Round(call(5, 0.5), call(5, 1.0), peakAt(100), peakAt(80)),
                new Round(call(8, 0.2), call(8, 0.8), peakAt(100), peakAt(80))), 100, 0, OptionalLong.empty(), OptionalLong.empty());
        assertEquals(2500, r.overtuneMedian(), EPS);
        assertEquals(750, r.pytorchMedian(), EPS);
        assertArrayEquals(new double[] {2, 4}, r.speedRatios(), EPS);
        assertEquals(3, r.speedRatio(), EPS);
    }

    @Test
    void timeRowsInvertSoAboveOneStillMeansOvertuneIsFaster() {
        JobResult r = new JobResult(Job.LOAD, List.of(new Round(call(10, 0.01), call(10, 0.03), peakAt(100), peakAt(100))),
                0, 0, OptionalLong.empty(), OptionalLong.empty());
        assertEquals(1.0, r.overtuneMedian(), EPS);
        assertEquals(3.0, r.pytorchMedian(), EPS);
        assertEquals(3.0, r.speedRatio(), EPS);
        assertTrue(Double.isNaN(r.fractionOfPeak()), "a load does no matmuls");
    }

    @Test
    void fractionOfPeakDividesEachRoundByItsOwnPeak() {
        // 10 GFLOP per step, one step per second: 10 GFLOP/s against peaks of 50 and 20 -> 0.2 and 0.5.
        long flops = 10_000_000_000L;
        JobResult r = new JobResult(Job.TRAIN, List.of(
                new Round(call(1, 1.0), null, peakAt(50), null),
                new Round(call(1, 1.0), null, peakAt(20), null),
                new Round(call(2, 2.0), null, peakAt(25), null)), 64, flops, OptionalLong.empty(), OptionalLong.empty());
        assertEquals(0.4, r.fractionOfPeak(), 1e-9);
        assertFalse(r.hasPytorch());
        assertTrue(Double.isNaN(r.pytorchMedian()));
        assertEquals(0, r.speedRatios().length);
    }

    @Test
    void figuresPerUnit() {
        assertEquals(2048, Job.TRAIN.figure(2, 0.5, 512), EPS);
        assertEquals(4, Job.NOISE.figure(2, 0.5, 512), EPS);
        assertEquals(250, Job.LOAD.figure(2, 0.5, 512), EPS);
        assertEquals(100, Job.PEAK.figure(1, MatMulPeak.FLOPS / 100e9, 0), 1e-9);
    }
}
