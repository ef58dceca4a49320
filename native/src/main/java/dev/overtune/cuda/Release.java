package dev.overtune.cuda;

/**
 * Releases several native resources so that one failing release does not leak the others: every
 * step runs in its own try, and the first failure is the one thrown, with the later ones
 * suppressed on it. A kernel fault makes the driver fail every call after it, so close paths must
 * not stop at the first throw.
 */
public final class Release {
    /** One release step. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private Release() {}

    /** Runs every step; throws the first failure (later ones suppressed on it). */
    public static void all(Step... steps) {
        RuntimeException first = after(null, steps);
        if (first != null) {
            throw first;
        }
    }

    /**
     * Runs every step after a failure that is already on its way: failures of the steps are
     * suppressed on cause, which is returned for the caller to throw. With a null cause, the first
     * failure of the steps is returned (null when all succeeded).
     */
    public static RuntimeException after(RuntimeException cause, Step... steps) {
        RuntimeException failure = cause;
        for (Step step : steps) {
            try {
                step.run();
            } catch (Exception e) {
                RuntimeException r = e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
                if (failure == null) {
                    failure = r;
                } else if (failure != r) {
                    failure.addSuppressed(r);
                }
            }
        }
        return failure;
    }
}
