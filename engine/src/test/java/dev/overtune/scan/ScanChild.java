package dev.overtune.scan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A scan in its own JVM, for the kill tests: args are the series dir, the store (a file or a PostgreSQL URL), and optionally
 * the claim lease in milliseconds and the number of noise samples per γ (a longer plan).
 */
public final class ScanChild {
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        List<ScanCheckpoint> series = new ArrayList<>();
        for (long steps : TinySeries.STEPS) {
            series.add(new ScanCheckpoint("step" + steps, dir.resolve("step" + steps), steps * TinySeries.BATCH * TinySeries.SEQ));
        }
        Scan.Builder scan = Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens())
                .settings(args.length > 3 ? TinySeries.settings(Integer.parseInt(args[3])) : TinySeries.settings()).store(args[1]);
        if (args.length > 2) {
            scan.claimLease(java.time.Duration.ofMillis(Long.parseLong(args[2])));
        }
        scan.run();
    }
}
