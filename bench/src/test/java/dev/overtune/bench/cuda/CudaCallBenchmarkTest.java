package dev.overtune.bench.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** The benchmark's set-up must never fail a build: without a GPU it skips with a reason; with one, each call works once. */
class CudaCallBenchmarkTest {
    @Test
    void setupSkipsOrWorksAndEveryCallReturns() {
        CudaCallBenchmark b = new CudaCallBenchmark();
        b.setup();
        try {
            b.ffmCopy4KiB();
            b.jcudaCopy4KiB();
            b.ffmEmptyLaunch();
            b.jcudaEmptyLaunch();
        } finally {
            b.tearDown();
        }
    }

    @Test
    void theReasonItCannotRunIsOneLine() {
        String why = CudaCallMain.unavailable();
        if (why != null) {
            assertFalse(why.contains("\n"), why);
            System.out.println("FFM vs JCuda here: NOT RUN: " + why);
        }
    }
}
