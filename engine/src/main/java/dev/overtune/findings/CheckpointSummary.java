package dev.overtune.findings;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything measured on one checkpoint, failures left out. Losses are NaN where the unit that would
 * give them failed or was not planned.
 *
 * @param units       units stored for this checkpoint, done or failed
 * @param failedUnits of those, how many failed
 * @param tuned       fine-tuning at the learning rate with the lowest mean ID validation loss; null when no fine-tune finished
 * @param byLr        fine-tuning at each learning rate, averaged over seeds
 */
public record CheckpointSummary(String name, long tokens, int units, int failedUnits,
                                double baseIdValLoss, double baseIdTestLoss, double baseOodLoss,
                                FineTuneOutcome tuned,
                                SortedMap<Double, FineTuneOutcome> byLr,
                                SortedMap<NoiseLevel, NoiseDelta> noise,
                                SortedMap<QuantFormat, QuantDelta> quant) {
    public CheckpointSummary {
        byLr = Collections.unmodifiableSortedMap(new TreeMap<>(byLr));
        noise = Collections.unmodifiableSortedMap(new TreeMap<>(noise));
        quant = Collections.unmodifiableSortedMap(new TreeMap<>(quant));
    }

    /** False when every unit of this checkpoint failed (e.g. its weights could not be loaded). */
    public boolean usable() {
        return failedUnits < units;
    }
}
