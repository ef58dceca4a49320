package dev.overtune.cli;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Progress of long work on stderr: one line redrawn in place on a terminal, or a plain line at most
 * every few seconds when stderr is a file or a pipe (logs stay readable).
 */
final class ProgressBar {
    private static final int WIDTH = 28;
    private static final long QUIET_NANOS = Duration.ofSeconds(5).toNanos();

    private final PrintStream err;
    private final String what;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private long lastPrinted;
    private boolean drawn;

    ProgressBar(PrintStream err, String what) {
        this.err = err;
        this.what = what;
        this.terminal = Terminal.stderrIsTerminal();
    }

    void update(long done, long total, String detail) {
        long now = System.nanoTime();
        boolean finished = done >= total;
        if (!terminal && !finished && now - lastPrinted < QUIET_NANOS) {
            return;
        }
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

    /** Ends a redrawn line so the next output starts cleanly. */
    void close() {
        if (drawn) {
            err.println();
            drawn = false;
        }
    }
}
