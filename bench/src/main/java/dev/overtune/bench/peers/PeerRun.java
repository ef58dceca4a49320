package dev.overtune.bench.peers;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Measures jobs on the two workers alternately: per job, a first call on each side (builds what the
 * job needs), a one-repetition call that sizes the rounds, one unmeasured warm-up round, then the
 * measured rounds. Every round runs both sides back to back, starting with overtune in even rounds
 * and PyTorch in odd ones, then the matmul peak on both sides the same way, so the peak is sampled
 * all through the run. Without a PyTorch worker only overtune's calls run.
 */
public final class PeerRun {
    private final WorkerProcess overtune;
    private final WorkerProcess pytorch;
    private final int rounds;
    private final double roundSeconds;
    private final Consumer<String> progress;
    private final List<Call> overtunePeaks = new ArrayList<>();
    private final List<Call> pytorchPeaks = new ArrayList<>();
    private final Map<Job, Call[]> firstCalls = new EnumMap<>(Job.class);
    private int peakCount;

    /** pytorch may be null; roundSeconds is what one side's call should take, roughly. */
    public PeerRun(WorkerProcess overtune, WorkerProcess pytorch, int rounds, double roundSeconds, Consumer<String> progress) {
        this.overtune = overtune;
        this.pytorch = pytorch;
        this.rounds = rounds;
        this.roundSeconds = roundSeconds;
        this.progress = progress;
    }

    public JobResult measure(Job job, int tokensPerBatch, long matmulFlops) {
        if (peakCount == 0) {
            // A quarter of a round: enough 1024³ matmuls to time, short enough to repeat every round.
            peakCount = repetitions(Job.PEAK, roundSeconds / 4);
        }
        // &, not &&: reset both even where the first fails.
        boolean resets = PeakMemory.reset(overtune.pid()) & (pytorch == null || PeakMemory.reset(pytorch.pid()));
        int count = repetitions(job, roundSeconds);
        progress.accept(String.format("%s: %d per call, a warm-up round, %d measured%s", job.label(), count, rounds,
                resets ? "" : " (peak RSS could not be reset: it is since the worker started)"));
        both(job, count, 0);
        List<Round> measured = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            Call[] calls = both(job, count, r);
            measured.add(new Round(calls[0], calls[1]));
            Call[] peaks = both(Job.PEAK, peakCount, r);
            overtunePeaks.add(peaks[0]);
            if (peaks[1] != null) {
                pytorchPeaks.add(peaks[1]);
            }
        }
        OptionalLong overtuneRss = PeakMemory.peakKiB(overtune.pid());
        OptionalLong pytorchRss = pytorch == null ? OptionalLong.empty() : PeakMemory.peakKiB(pytorch.pid());
        return new JobResult(job, measured, tokensPerBatch, matmulFlops, overtuneRss, pytorchRss);
    }

    /** Every matmul peak call of every round so far, as a row of its own. */
    public JobResult peakRow() {
        List<Round> measured = new ArrayList<>();
        for (int i = 0; i < overtunePeaks.size(); i++) {
            measured.add(new Round(overtunePeaks.get(i), pytorch == null ? null : pytorchPeaks.get(i)));
        }
        return new JobResult(Job.PEAK, measured, 0, 0, OptionalLong.empty(), OptionalLong.empty());
    }

    /** The first call of a job on each side, [overtune, pytorch or null]: its loss is at the checkpoint's weights for eval. */
    public Call[] firstCalls(Job job) {
        return firstCalls.get(job).clone();
    }

    /**
     * How many repetitions make a call of about {@code seconds} on the slower side, after a first
     * call on each side that builds what the job needs.
     */
    private int repetitions(Job job, double seconds) {
        firstCalls.put(job, both(job, 1, 0));
        Call[] one = both(job, 1, 0);
        double slower = Math.max(one[0].seconds(), one[1] == null ? 0 : one[1].seconds());
        return (int) Math.max(1, Math.min(100_000, Math.round(seconds / slower)));
    }

    /** The job on overtune then PyTorch (odd rounds: the other way round); [overtune, pytorch or null]. */
    private Call[] both(Job job, int count, int round) {
        WorkerProtocol.Command command = new WorkerProtocol.Command(job, count);
        if (pytorch == null) {
            return new Call[] {overtune.call(command), null};
        }
        if (round % 2 == 0) {
            Call o = overtune.call(command);
            return new Call[] {o, pytorch.call(command)};
        }
        Call p = pytorch.call(command);
        return new Call[] {overtune.call(command), p};
    }
}
