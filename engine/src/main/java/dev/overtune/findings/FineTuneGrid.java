package dev.overtune.findings;

import dev.overtune.probe.MetricKeys;
import dev.overtune.probe.Probe;
import dev.overtune.scan.UnitResult;

import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** The finished fine-tunes of one checkpoint, learning rate × seed. */
final class FineTuneGrid {
    private final SortedMap<Double, SortedMap<Long, UnitResult>> runs;

    private FineTuneGrid(SortedMap<Double, SortedMap<Long, UnitResult>> runs) {
        this.runs = runs;
    }

    /** @param fineTunes finished fine-tune units of one checkpoint */
    static FineTuneGrid of(Collection<UnitResult> fineTunes) {
        SortedMap<Double, SortedMap<Long, UnitResult>> runs = new TreeMap<>();
        for (UnitResult u : fineTunes) {
            if (u.probe() instanceof Probe.FineTune f) {
                runs.computeIfAbsent(f.lr(), k -> new TreeMap<>()).put(f.seed(), u);
            }
        }
        return new FineTuneGrid(runs);
    }

    /** The finished fine-tunes at this learning rate by seed (empty when none finished). */
    SortedMap<Long, UnitResult> units(double lr) {
        return runs.getOrDefault(lr, new TreeMap<>());
    }

    /** The mean of a metric over the seeds that finished at this learning rate; NaN when none did. */
    double mean(double lr, String metric) {
        Map<Long, UnitResult> bySeed = runs.get(lr);
        if (bySeed == null || bySeed.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        for (UnitResult u : bySeed.values()) {
            sum += u.metric(metric);
        }
        return sum / bySeed.size();
    }

    /** Fine-tuning at this learning rate averaged over its seeds; null when none finished. */
    FineTuneOutcome at(double lr) {
        Map<Long, UnitResult> bySeed = runs.get(lr);
        if (bySeed == null || bySeed.isEmpty()) {
            return null;
        }
        return new FineTuneOutcome(lr, mean(lr, MetricKeys.ID_VAL_LOSS), mean(lr, MetricKeys.ID_TEST_LOSS), mean(lr, MetricKeys.OOD_LOSS), bySeed.size());
    }

    /**
     * The paper's "tuned" protocol: the learning rate with the lowest mean ID validation loss over seeds
     * (the smaller rate on a tie); null when no learning rate has a finite one.
     */
    FineTuneOutcome tuned() {
        FineTuneOutcome best = null;
        for (double lr : runs.keySet()) {
            FineTuneOutcome o = at(lr);
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
            out.put(lr, at(lr));
        }
        return out;
    }
}
