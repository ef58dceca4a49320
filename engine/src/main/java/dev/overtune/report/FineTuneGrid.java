package dev.overtune.report;

import dev.overtune.scan.UnitResult;

import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The finished fine-tunes of one checkpoint, learning rate × seed. Every average takes a draw of seeds
 * (with repeats) so that the same code gives the point estimate (all seeds once) and a bootstrap resample.
 */
final class FineTuneGrid {
    private final SortedMap<Double, Map<Long, UnitResult>> runs;
    private final long[] seeds;

    private FineTuneGrid(SortedMap<Double, Map<Long, UnitResult>> runs) {
        this.runs = runs;
        TreeSet<Long> all = new TreeSet<>();
        runs.values().forEach(bySeed -> all.addAll(bySeed.keySet()));
        this.seeds = all.stream().mapToLong(Long::longValue).toArray();
    }

    /** @param fineTunes finished fine-tune units of one checkpoint */
    static FineTuneGrid of(Collection<UnitResult> fineTunes) {
        SortedMap<Double, Map<Long, UnitResult>> runs = new TreeMap<>();
        for (UnitResult u : fineTunes) {
            runs.computeIfAbsent(Double.parseDouble(u.setting().get("lr")), k -> new TreeMap<>()).put(u.seed(), u);
        }
        return new FineTuneGrid(runs);
    }

    /** Seeds with at least one finished fine-tune, ascending. */
    long[] seeds() {
        return seeds.clone();
    }

    /** The mean over the drawn seeds that finished at this learning rate; null when none did. */
    FineTuneOutcome at(double lr, long[] draw) {
        Map<Long, UnitResult> bySeed = runs.get(lr);
        if (bySeed == null) {
            return null;
        }
        double val = 0;
        double test = 0;
        double ood = 0;
        int n = 0;
        for (long seed : draw) {
            UnitResult u = bySeed.get(seed);
            if (u != null) {
                val += u.metric("id_val_loss");
                test += u.metric("id_test_loss");
                ood += u.metric("ood_loss");
                n++;
            }
        }
        return n == 0 ? null : new FineTuneOutcome(lr, val / n, test / n, ood / n, n);
    }

    /**
     * The paper's "tuned" protocol: the learning rate with the lowest mean ID validation loss over the
     * drawn seeds (the smaller rate on a tie); null when no learning rate has a finite one.
     */
    FineTuneOutcome tuned(long[] draw) {
        FineTuneOutcome best = null;
        for (double lr : runs.keySet()) {
            FineTuneOutcome o = at(lr, draw);
            if (o != null && Double.isFinite(o.idValLoss()) && (best == null || o.idValLoss() < best.idValLoss())) {
                best = o;
            }
        }
        return best;
    }

    /** Every learning rate with a finished fine-tune, averaged over all seeds. */
    SortedMap<Double, FineTuneOutcome> byLearningRate() {
        SortedMap<Double, FineTuneOutcome> out = new TreeMap<>();
        for (double lr : runs.keySet()) {
            out.put(lr, at(lr, seeds));
        }
        return out;
    }
}
