package dev.overtune.train;

/** Linear warm-up to the peak, then cosine decay to the floor over the remaining steps. */
public record LrSchedule(double peak, double floor, long warmupSteps, long totalSteps) implements Schedule {
    public LrSchedule {
        if (!(peak > 0) || floor < 0 || floor > peak) {
            throw new IllegalArgumentException("learning rates need 0 <= min (" + floor + ") <= peak (" + peak + "), peak > 0");
        }
        if (warmupSteps < 0 || totalSteps < 1 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("need 0 <= warmup (" + warmupSteps + ") <= steps (" + totalSteps + "), steps >= 1");
        }
    }

    /** The rate for 0-based step {@code s}. */
    @Override
    public double at(long s) {
        if (s < warmupSteps) {
            return peak * (s + 1) / warmupSteps;
        }
        if (totalSteps == warmupSteps) {
            return peak;
        }
        double progress = Math.min(1.0, (double) (s - warmupSteps) / (totalSteps - warmupSteps));
        return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
    }
}
