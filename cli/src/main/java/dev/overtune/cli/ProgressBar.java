package dev.overtune.cli;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Progress of long work on stderr: one line redrawn in place on a terminal, or a plain line at most
 * every few seconds when stderr is a file or a pipe (logs stay readable). A bar made {@link #afterAWhile}
 * stays silent until the work has run that long, so quick commands print nothing.
 */
final class ProgressBar {
    private static final int WIDTH = 28;
    private static final long QUIET_NANOS = Duration.ofSeconds(5).toNanos();

    /** How long a delayed bar waits before its first line; this system property (milliseconds) changes it. */
    static final String DELAY_PROPERTY = "overtune.progress.after-ms";
    private static final long DEFAULT_DELAY_MILLIS = 2_000;

    private final PrintStream err;
    private final String what;
    private final boolean terminal;
    private final long silentNanos;
    private final long started = System.nanoTime();
    private long lastPrinted;
    private boolean drawn;
    private boolean shown;

    ProgressBar(PrintStream err, String what) {
        this(err, what, 0);
    }

    private ProgressBar(PrintStream err, String what, long silentNanos) {
        this.err = err;
        this.what = what;
        this.terminal = Terminal.stderrIsTerminal();
        this.silentNanos = silentNanos;
    }

    /** A bar that shows only once the work has taken a couple of seconds (or {@value #DELAY_PROPERTY} ms). */
    static ProgressBar afterAWhile(PrintStream err, String what) {
        long millis = Long.getLong(DELAY_PROPERTY, DEFAULT_DELAY_MILLIS);
        return new ProgressBar(err, what, Duration.ofMillis(Math.max(0, millis)).toNanos());
    }

    void update(long done, long total, String detail) {
        long now = System.nanoTime();
        boolean finished = done >= total;
        if (!shown && now - started < silentNanos) {
            return;
        }
        if (!terminal && !finished && now - lastPrinted < QUIET_NANOS) {
            return;
        }
        shown = true;
        lastPrinted = now;
        double fraction = total == 0 ? 1 : (double) done / total;
        int filled = (int) Math.round(fraction * WIDTH);
        double elapsed = (now - started) / 1e9;
        String eta = done == 0 ? "?" : Terminal.duration(elapsed / done * (total - done));
        String line = String.format("%s [%s%s] %d/%d  %s elapsed, ETA %s  %s", what, "#".repeat(filled), ".".repeat(WIDTH - filled),
                done, total, Terminal.duration(elapsed), eta, detail);
        if (terminal) {
            err.print("\r" + line + "\u001b[K");
            drawn = true;
            if (finished) {
                err.println();
                drawn = false;
            }
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** Wipes a redrawn line, so that a line printed to stdout on the same terminal is not mixed into it. */
    void clear() {
        if (drawn) {
            err.print("\r\u001b[K");
            err.flush();
            drawn = false;
        }
    }

    /** Ends a redrawn line so the next output starts cleanly. */
    void close() {
        if (drawn) {
            err.println();
            drawn = false;
        }
    }
}
