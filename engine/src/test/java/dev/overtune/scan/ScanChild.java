package dev.overtune.scan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A scan in its own JVM, for the kill-and-resume test: args are the series dir and the store. */
public final class ScanChild {
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        List<ScanCheckpoint> series = new ArrayList<>();
        for (long steps : TinySeries.STEPS) {
            series.add(new ScanCheckpoint("step" + steps, dir.resolve("step" + steps), steps * TinySeries.BATCH * TinySeries.SEQ));
        }
        Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens())
                .settings(TinySeries.settings()).store(Path.of(args[1])).run();
    }
}
