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
                new Round(call(5, 0.5), call(5, 1.0)),
                new Round(call(8, 0.2), call(8, 0.8))), 100, 0, OptionalLong.empty(), OptionalLong.empty());
        assertEquals(2500, r.overtuneMedian(), EPS);
        assertEquals(750, r.pytorchMedian(), EPS);
        assertArrayEquals(new double[] {2, 4}, r.speedRatios(), EPS);
        assertEquals(3, r.speedRatio(), EPS);
    }

    @Test
    void timeRowsInvertSoAboveOneStillMeansOvertuneIsFaster() {
        JobResult r = new JobResult(Job.LOAD, List.of(new Round(call(10, 0.01), call(10, 0.03))),
                0, 0, OptionalLong.empty(), OptionalLong.empty());
        assertEquals(1.0, r.overtuneMedian(), EPS);
        assertEquals(3.0, r.pytorchMedian(), EPS);
        assertEquals(3.0, r.speedRatio(), EPS);
        assertTrue(Double.isNaN(r.fractionOfPeak(100e9)), "a load does no matmuls");
    }

    @Test
    void fractionOfPeakIsTheMedianMatmulRateOverThePeak() {
        // 10 GFLOP per step; rounds at 10, 5 and 20 GFLOP/s: median 10 against a 40 GFLOP/s peak.
        long flops = 10_000_000_000L;
        JobResult r = new JobResult(Job.TRAIN, List.of(
                new Round(call(1, 1.0), null),
                new Round(call(1, 2.0), null),
                new Round(call(2, 1.0), null)), 64, flops, OptionalLong.empty(), OptionalLong.empty());
        assertEquals(0.25, r.fractionOfPeak(40e9), 1e-12);
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

    @Test
    void thePeakRowsBestIsItsFastestOvertuneCall() {
        JobResult peak = new JobResult(Job.PEAK, List.of(
                new Round(call(2, 2 * MatMulPeak.FLOPS / 50e9), call(1, MatMulPeak.FLOPS / 90e9)),
                new Round(call(1, MatMulPeak.FLOPS / 80e9), call(1, MatMulPeak.FLOPS / 70e9))), 0, 0, OptionalLong.empty(), OptionalLong.empty());
        assertEquals(80, peak.bestOvertuneGflops(), 1e-9);
        assertEquals(65, peak.overtuneMedian(), 1e-9);
    }
}
