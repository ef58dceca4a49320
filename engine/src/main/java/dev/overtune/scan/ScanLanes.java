package dev.overtune.scan;

import dev.overtune.backend.OrtBackend;
import dev.overtune.model.LanguageModel;
import dev.overtune.train.MemberTrainer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Several scan runners in one process, each on its own share of the threads and its own connection to the store,
 * splitting the pending units through the store's claims exactly as separate {@code overtune scan} processes do.
 *
 * <p>Why: the models a CPU scan uses are small enough that one unit cannot keep two cores busy. ONNX Runtime's
 * intra-op threads pay a wake-up per parallel op, and an op over a few thousand floats is over before the second
 * thread arrives: on 2 cores a {@code demo} training step took 11 ms on one thread and 13 ms on two, an
 * {@code overtrained} step 8.6 against 16 ms ({@code bin/bench-profile --threads 1|2}). Two one-thread lanes run
 * two units at once instead.
 */
public final class ScanLanes {
    /** {@link Scan.Builder#lanes}: choose from the model and the thread count. */
    public static final int AUTO = 0;
    /**
     * Up to this many parameters the auto rule gives every thread its own lane: measured faster on every preset up to
     * {@code small} (4.3M: the scan protocol in 40.7 s on two lanes against 54.6 s on one, at 545 against 325 MiB
     * peak RSS). Above it, one lane uses all threads: larger matmuls split well over threads, and every lane holds its
     * own activations.
     */
    public static final long SMALL_MODEL_PARAMETERS = 5_000_000;

    private ScanLanes() {}

    /** How many lanes a scan runs: {@code requested}, or by the auto rule; never more than the threads. */
    public static int count(int requested, int threads, LanguageModel model) {
        if (requested < 0) {
            throw new IllegalArgumentException("lanes must be 1 or more (0: chosen from the model), got " + requested);
        }
        if (requested != AUTO) {
            return Math.min(requested, threads);
        }
        long params = model.params().stream().mapToLong(p -> p.shape().size()).sum();
        return params <= SMALL_MODEL_PARAMETERS ? threads : 1;
    }

    /** The threads of lane {@code lane} of {@code lanes}: the threads shared out, the first lanes taking any remainder. */
    static int threadsOf(int lane, int lanes, int threads) {
        return threads / lanes + (lane < threads % lanes ? 1 : 0);
    }

    /**
     * Runs {@code lanes} runners at once and returns how many units they ran in all. Each lane gets its own store
     * connection from {@code openStore} (closed here), its own ONNX Runtime backend and settings with its threads,
     * and its share of the member graphs' memory budget;
     * the listener hears one scan. The first failure of any lane is rethrown once every lane has stopped.
     */
    static int run(int lanes, LanguageModel model, ScanTask task, int[] ood, ScanSettings settings, Function<Integer, ScanStore> openStore,
                   ScanListener listener, int members, FineTunedCheckpoints fineTuned, List<Unit> units, boolean retryFailed) {
        LaneListener shared = new LaneListener(listener, lanes);
        AtomicInteger ran = new AtomicInteger();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int lane = 0; lane < lanes; lane++) {
            int threadsHere = threadsOf(lane, lanes, settings.threads());
            ScanSettings own = new ScanSettings(settings.eval(), settings.fineTune(), settings.noise(), settings.quant(), threadsHere);
            int index = lane;
            Thread t = Thread.ofPlatform().name("overtune-scan-lane-" + lane).unstarted(() -> {
                try (ScanStore store = openStore.apply(index); OrtBackend backend = new OrtBackend(threadsHere)) {
                    ran.addAndGet(new ScanRunner(backend, model, task, ood, own, store, shared).members(members).keepFineTuned(fineTuned)
                            .memberBudget(MemberTrainer.BUDGET_BYTES / lanes).run(units, retryFailed));
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    shared.laneStopped();
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the scan's lanes ran", e);
            }
        }
        if (!failures.isEmpty()) {
            Throwable first = failures.get(0);
            if (first instanceof RuntimeException r) {
                throw r;
            }
            if (first instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(first);
        }
        return ran.get();
    }

    /**
     * The lanes as one scan to the listener: one start, finished units counted across lanes, a missing checkpoint said
     * once, and units "held by other scans" said only by the last lane to stop (before that they may be a sibling lane's).
     */
    private static final class LaneListener implements ScanListener {
        private final ScanListener inner;
        private final java.util.Set<ScanCheckpoint> unavailable = new java.util.HashSet<>();
        private final ThreadLocal<Integer> heldWhenLaneStopped = ThreadLocal.withInitial(() -> 0);
        // Guarded by this: every call that reads or writes them is synchronized.
        private boolean started;
        private boolean waiting;
        private int pending;
        private int finished;
        private int running;

        LaneListener(ScanListener inner, int lanes) {
            this.inner = inner;
            this.running = lanes;
        }

        @Override
        public synchronized void started(int unitsInPlan, int pendingNow, int failed, int retrying) {
            if (!started) {
                started = true;
                pending = pendingNow;
                inner.started(unitsInPlan, pendingNow, failed, retrying);
            }
        }

        @Override
        public synchronized void checkpointStarted(ScanCheckpoint checkpoint, int pendingUnits) {
            inner.checkpointStarted(checkpoint, pendingUnits);
        }

        @Override
        public synchronized void unitFinished(UnitResult result, int finishedInLane, int pendingInLane) {
            finished++;
            inner.unitFinished(result, finished, Math.max(pending, finished));
        }

        @Override
        public void heldByOtherScans(int units) {
            heldWhenLaneStopped.set(units);
        }

        @Override
        public synchronized void waitingForOthers(int units) {
            if (!waiting) {
                waiting = true;
                inner.waitingForOthers(units);
            }
        }

        @Override
        public synchronized void checkpointUnavailable(ScanCheckpoint checkpoint, String host, int units) {
            // Every lane finds the directory missing and hands the units back; the user hears it once.
            if (unavailable.add(checkpoint)) {
                inner.checkpointUnavailable(checkpoint, host, units);
            }
        }

        synchronized void laneStopped() {
            int held = heldWhenLaneStopped.get();
            running--;
            if (running == 0 && held > 0) {
                inner.heldByOtherScans(held);
            }
        }
    }
}
