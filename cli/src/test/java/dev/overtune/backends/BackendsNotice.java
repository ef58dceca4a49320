package dev.overtune.backends;

/** Lets a test of the command line hear {@code auto}'s once-per-process notice again. */
public final class BackendsNotice {
    private BackendsNotice() {}

    public static void reset() {
        Backends.resetNotice();
    }
}
