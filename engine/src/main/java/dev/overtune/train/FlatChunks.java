package dev.overtune.train;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Splits [0, n) into fixed chunks and runs them on a pool of the run's own thread count. Chunk
 * boundaries depend only on n, never on the threads, so any reduction combined in chunk order gives
 * the same bits on every machine. Segments owned by a confined arena cannot be touched by pool threads;
 * then, or with one thread, every chunk runs on the caller.
 */
final class FlatChunks implements AutoCloseable {
    /** 64 Ki floats: large enough that scheduling is noise, small enough to balance two cores. */
    static final int CHUNK = 1 << 16;
    /** Below this, one thread is faster than waking another. */
    private static final long PARALLEL_MIN = 4L * CHUNK;
    /** Every chunk on the caller: for callers that give no thread count. */
    static final FlatChunks SEQUENTIAL = new FlatChunks(1);
    /** Never started: only asked about. A confined arena's segments are accessible by their owner alone. */
    private static final Thread OTHER = new Thread(() -> { });

    interface Body {
        void run(int chunk, long from, long to);
    }

    private final ForkJoinPool pool;

    /** Chunks on {@code threads} threads (the --threads of the run); 1 runs them on the caller. */
    FlatChunks(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
    }

    static int count(long n) {
        return Math.toIntExact((n + CHUNK - 1) / CHUNK);
    }

    /** Runs body over every chunk of [0, n); in parallel when there is a pool and all the segments can be shared. */
    void forEach(long n, Body body, MemorySegment... touched) {
        int chunks = count(n);
        if (pool == null || n < PARALLEL_MIN || !shareable(touched)) {
            for (int c = 0; c < chunks; c++) {
                body.run(c, (long) c * CHUNK, Math.min(n, (long) (c + 1) * CHUNK));
            }
            return;
        }
        // The parallel stream runs on the pool it is started from, as Perturbations' does.
        try {
            pool.submit(() -> IntStream.range(0, chunks).parallel()
                    .forEach(c -> body.run(c, (long) c * CHUNK, Math.min(n, (long) (c + 1) * CHUNK)))).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while updating parameters", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /**
     * Runs body for every task in [0, tasks), each whole on one thread: for independent pieces of work (the members
     * of a member-axis run) that are each done in a fixed order, so the result does not depend on the threads.
     */
    void forEachTask(int tasks, java.util.function.IntConsumer body, MemorySegment... touched) {
        if (pool == null || tasks < 2 || !shareable(touched)) {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
            return;
        }
        try {
            pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(body)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while updating parameters", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private static boolean shareable(MemorySegment[] segments) {
        for (MemorySegment s : segments) {
            if (!s.isAccessibleBy(OTHER)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
