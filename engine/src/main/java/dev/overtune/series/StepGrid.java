package dev.overtune.series;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The regular interval at which a run saved checkpoints, inferred as the most common difference
 * between consecutive steps. Series often start denser (Pythia saves steps 1, 2, 4, ... 512 before
 * settling on every 1000), so only intervals wider than the grid count as gaps.
 */
record StepGrid(long interval) {
    /** How many missing steps a gap lists; a mislabelled step far off the grid can imply billions. */
    static final int LISTED = 10;

    /** Steps the grid expects between {@code after} and {@code before} (both present): how many, and the first few. */
    record Gap(long after, long before, long missingCount, List<Long> firstMissing) {}

    /**
     * The grid of these distinct steps, ascending; empty when no difference occurs at least twice
     * (a purely irregular series has no grid to miss a step of). Ties go to the wider interval, which
     * claims fewer missing steps.
     */
    static Optional<StepGrid> infer(List<Long> steps) {
        Map<Long, Integer> counts = new HashMap<>();
        for (int i = 1; i < steps.size(); i++) {
            counts.merge(steps.get(i) - steps.get(i - 1), 1, Integer::sum);
        }
        long best = 0;
        int bestCount = 1;
        for (Map.Entry<Long, Integer> e : counts.entrySet()) {
            if (e.getKey() > 0 && (e.getValue() > bestCount || (e.getValue() == bestCount && bestCount > 1 && e.getKey() > best))) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        return bestCount >= 2 ? Optional.of(new StepGrid(best)) : Optional.empty();
    }

    /** Every place the ascending distinct steps skip a multiple of the interval. */
    List<Gap> gaps(List<Long> steps) {
        List<Gap> out = new ArrayList<>();
        for (int i = 1; i < steps.size(); i++) {
            long a = steps.get(i - 1);
            long b = steps.get(i);
            if (b - a > interval) {
                long count = (b - a - 1) / interval;
                List<Long> first = new ArrayList<>();
                for (long k = 1; k <= Math.min(count, LISTED); k++) {
                    first.add(a + k * interval);
                }
                out.add(new Gap(a, b, count, List.copyOf(first)));
            }
        }
        return out;
    }
}
