package dev.overtune.scan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGKILLs a scan running in a child JVM part-way, resumes it, and checks the store ends with exactly
 * the units of an uninterrupted run — none twice, none missing — with identical metrics.
 */
class KillResumeTest {
    @Test
    void killedScanResumesToTheSameResults(@TempDir Path tmp) throws Exception {
        List<ScanCheckpoint> series = TinySeries.make(tmp.resolve("series"));
        Path killed = tmp.resolve("killed.db");

        Process child = startChild(tmp.resolve("series"), killed);
        int seen = waitForUnits(killed, 4, child);
        child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no clean close
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        int total = series.size() * TinySeries.UNITS_PER_CHECKPOINT;
        int atKill = countUnits(killed);
        assertTrue(atKill >= seen && atKill < total, "kill should land mid-scan: " + atKill + " of " + total + " stored");

        Process resumed = startChild(tmp.resolve("series"), killed);
        assertTrue(resumed.waitFor(5, TimeUnit.MINUTES), "resumed scan did not finish");
        assertEquals(0, resumed.exitValue(), new String(resumed.getInputStream().readAllBytes()));

        Scan.Outcome straight = Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens())
                .settings(TinySeries.settings()).store(tmp.resolve("straight.db")).run();
        try (ResultStore store = ResultStore.read(killed)) {
            List<UnitResult> afterResume = store.results();
            assertEquals(total, afterResume.size(), "every unit exactly once");
            Map<String, UnitResult> expected = straight.results().stream().collect(Collectors.toMap(UnitResult::unitId, Function.identity()));
            for (UnitResult r : afterResume) {
                UnitResult e = expected.get(r.unitId());
                assertTrue(e != null, "unexpected unit " + r.unitId());
                assertTrue(r.done(), r.reason());
                assertEquals(e.metrics(), r.metrics(), "metrics of " + r.kind() + " " + r.setting() + " on " + r.checkpoint());
                assertEquals(e.curve(), r.curve());
            }
        }
    }

    private static Process startChild(Path series, Path store) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), ScanChild.class.getName(), series.toString(), store.toString())
                .redirectErrorStream(true).start();
    }

    private static int waitForUnits(Path store, int atLeast, Process child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                throw new AssertionError("child ended early: " + new String(child.getInputStream().readAllBytes()));
            }
            int n = store.toFile().exists() ? countUnits(store) : 0;
            if (n >= atLeast) {
                return n;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("child stored fewer than " + atLeast + " units in time");
    }

    private static int countUnits(Path store) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM unit")) {
                return r.next() ? r.getInt(1) : 0;
            }
        } catch (java.sql.SQLException e) {
            return 0; // the table does not exist yet
        }
    }
}
