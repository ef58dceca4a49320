package dev.overtune.train;

/**
 * Warm-up–stable–decay: linear warm-up to the peak, the peak held until {@code decayStart}, then a
 * linear decay that uses exactly the floor on the last step ({@code totalSteps - 1}). Two such
 * schedules with the same peak and warm-up agree on every step before either decays, which is what
 * lets one stable trunk serve every budget of a series, each budget branching off into its own decay.
 */
public record WarmupStableDecay(double peak, double floor, long warmupSteps, long decayStart, long totalSteps) implements Schedule {
    public WarmupStableDecay {
        if (!(peak > 0) || floor < 0 || floor > peak) {
            throw new IllegalArgumentException("learning rates need 0 <= min (" + floor + ") <= peak (" + peak + "), peak > 0");
        }
        if (warmupSteps < 0 || warmupSteps > decayStart || decayStart > totalSteps || totalSteps < 1) {
            throw new IllegalArgumentException("need 0 <= warmup (" + warmupSteps + ") <= decay start (" + decayStart
                    + ") <= steps (" + totalSteps + "), steps >= 1");
        }
    }

    public long decaySteps() {
        return totalSteps - decayStart;
    }

    @Override
    public double at(long s) {
        if (s < warmupSteps) {
            return peak * (s + 1) / warmupSteps;
        }
        if (s < decayStart) {
            return peak;
        }
        if (s >= totalSteps - 1) {
            return floor;
        }
        // Step decayStart + i uses peak - (peak - floor) * (i + 1) / D: the decay's last step lands on the floor,
        // as warm-up's last step lands on the peak.
        return peak - (peak - floor) * (double) (s - decayStart + 1) / decaySteps();
    }
}
