package dev.overtune.scan;

import dev.overtune.findings.StoreComparison;
import dev.overtune.findings.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several worker processes share one PostgreSQL store; one holding a unit is SIGKILLed at a random moment and replaced,
 * over and over ({@code -Dovertune.pgkill.kills=N}, 10 by default; a round whose plan finishes first is followed by another
 * on a fresh store). Each killed unit must be claimed again once its lease runs out, and every round's store must equal a
 * one-process SQLite run of the plan at zero tolerance: no unit lost, none twice, none changed. Prints the figures.
 */
class PgKillTest {
    private static final int KILLS = Integer.getInteger("overtune.pgkill.kills", 10);
    private static final int WORKERS = Integer.getInteger("overtune.pgkill.workers", 3);
    private static final long LEASE_MS = Long.getLong("overtune.pgkill.lease", 2000);
    private static final int NOISE_SAMPLES = 6;

    record Kill(String unitId, String owner, long atMillis, long expiresMillis) {}

    @Test
    void workersKilledMidUnitLoseAndDuplicateNothing(@TempDir Path tmp) throws Exception {
        PgService.ensureUp();
        Path seriesDir = tmp.resolve("series");
        List<ScanCheckpoint> series = TinySeries.make(seriesDir);
        Scan.Outcome reference = Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens())
                .settings(TinySeries.settings(NOISE_SAMPLES)).store(tmp.resolve("reference.db")).run();
        int planned = reference.plan().units().size();
        Random random = new Random(Long.getLong("overtune.pgkill.seed", System.nanoTime()));
        List<double[]> reclaimSeconds = new ArrayList<>(); // after the kill, after the lease ran out
        int kills = 0;
        int rounds = 0;
        int lost = 0;
        int duplicated = 0;
        int late = 0;
        Map<String, Integer> loads = new LinkedHashMap<>();
        while (kills < KILLS) {
            String url = PgService.freshStore("kill_" + rounds++);
            String schema = url.substring(url.indexOf("?schema=") + 8);
            PgStore.open(url, reference.plan(), Scan.planJson(reference.plan())).close(); // the schema, before anyone is polled
            List<Process> workers = new ArrayList<>();
            List<Kill> pending = new ArrayList<>();
            try {
                for (int i = 0; i < WORKERS; i++) {
                    workers.add(start(seriesDir, url));
                }
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
                long nextKill = System.currentTimeMillis() + 300 + random.nextInt(1500);
                while (System.nanoTime() < deadline) {
                    pollReclaims(schema, pending, reclaimSeconds);
                    workers.removeIf(p -> !p.isAlive());
                    if (workers.isEmpty()) {
                        break; // every worker found nothing left: the plan is done (checked below)
                    }
                    if (kills < KILLS && System.currentTimeMillis() >= nextKill) {
                        Process victim = workers.get(random.nextInt(workers.size()));
                        if (heldBy(schema, victim.pid()) != null) {
                            victim.destroyForcibly(); // SIGKILL: no shutdown hook, the claim is left to expire
                            victim.waitFor(30, TimeUnit.SECONDS);
                            long at = System.currentTimeMillis();
                            workers.remove(victim);
                            workers.add(start(seriesDir, url));
                            String[] held = heldBy(schema, victim.pid()); // what the dead process still holds: its unit was cut off mid-way
                            if (held != null) {
                                pending.add(new Kill(held[0], held[1], at, Long.parseLong(held[2])));
                                kills++;
                            }
                            nextKill = System.currentTimeMillis() + 200 + random.nextInt(1500);
                        }
                    }
                    Thread.sleep(20);
                }
                assertTrue(workers.isEmpty(), "workers still running after 4 minutes");
                pollReclaims(schema, pending, reclaimSeconds);
                assertTrue(pending.isEmpty(), "killed units never claimed again: " + pending);
            } finally {
                workers.forEach(Process::destroyForcibly);
            }
            try (PgStore store = PgStore.read(url)) {
                List<UnitResult> got = store.results();
                lost += planned - (int) got.stream().map(UnitResult::unitId).distinct().count();
                duplicated += got.size() - (int) got.stream().map(UnitResult::unitId).distinct().count();
                assertSameAs(reference.results(), got);
            }
            late += (int) query(schema, "SELECT count(*) FROM late_result");
            try (Connection c = PgService.connect(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT checkpoint, count(*) FROM " + schema + ".checkpoint_load GROUP BY checkpoint ORDER BY checkpoint")) {
                while (r.next()) {
                    loads.merge(r.getString(1), r.getInt(2), Integer::sum);
                }
            }
        }
        double[] afterKill = reclaimSeconds.stream().mapToDouble(r -> r[0]).sorted().toArray();
        double[] afterExpiry = reclaimSeconds.stream().mapToDouble(r -> r[1]).sorted().toArray();
        System.out.printf("pgkill: %d workers, lease %.1f s, %d SIGKILLs mid-unit over %d round%s of %d units: units lost %d, duplicated %d, "
                        + "late results refused %d; a killed worker's unit claimed again %.2f s after the kill (median; %.2f to %.2f), "
                        + "%.2f s after its lease ran out (median; %.2f to %.2f); checkpoint loads over all rounds %s%n",
                WORKERS, LEASE_MS / 1000.0, kills, rounds, rounds == 1 ? "" : "s", planned, lost, duplicated, late,
                afterKill[afterKill.length / 2], afterKill[0], afterKill[afterKill.length - 1],
                afterExpiry[afterExpiry.length / 2], afterExpiry[0], afterExpiry[afterExpiry.length - 1], loads);
        assertEquals(0, lost);
        assertEquals(0, duplicated);
        assertTrue(kills >= KILLS);
        for (double s : afterExpiry) {
            assertTrue(s >= -0.05, "a killed worker's unit was taken before its lease ran out: " + s + " s");
        }
    }

    /** Equal to the reference at zero tolerance, as compare-stores --atol 0 --rtol 0 judges, and the same curves and samples. */
    private static void assertSameAs(List<UnitResult> reference, List<UnitResult> got) {
        StoreComparison c = StoreComparison.of(reference, got, new Tolerance(0, 0));
        c.units().forEach(u -> assertTrue(u.problem().isEmpty(), u.problem().orElse("")));
        assertEquals(List.of(), c.beyondTolerance().stream().map(StoreComparison.Difference::describe).toList());
        Map<String, UnitResult> byId = new LinkedHashMap<>();
        got.forEach(u -> byId.put(u.unitId(), u));
        for (UnitResult e : reference) {
            UnitResult g = byId.get(e.unitId());
            assertEquals(e.curve(), g.curve());
            assertEquals(e.samples().keySet(), g.samples().keySet());
            e.samples().forEach((k, v) -> assertArrayEquals(v, g.samples().get(k), k + " of " + e.unitId()));
        }
        assertEquals(reference.size(), got.size());
    }

    /** A killed unit is reclaimed when another owner claims it (or stores it) after the kill. */
    private static void pollReclaims(String schema, List<Kill> pending, List<double[]> seconds) throws Exception {
        if (pending.isEmpty()) {
            return;
        }
        try (Connection c = PgService.connect(); PreparedStatement q = c.prepareStatement("SELECT w.owner, w.claimed, u.worker, u.finished FROM "
                + schema + ".work w LEFT JOIN " + schema + ".unit u ON u.id = w.unit_id WHERE w.unit_id = ?")) {
            for (var it = pending.iterator(); it.hasNext(); ) {
                Kill k = it.next();
                q.setString(1, k.unitId());
                try (ResultSet r = q.executeQuery()) {
                    r.next();
                    Timestamp claimed = r.getTimestamp(2);
                    boolean retaken = r.getString(1) != null && !r.getString(1).equals(k.owner());
                    boolean stored = r.getString(3) != null && !r.getString(3).equals(k.owner());
                    if ((retaken || stored) && claimed.getTime() > k.atMillis()) {
                        seconds.add(new double[] {(claimed.getTime() - k.atMillis()) / 1000.0, (claimed.getTime() - k.expiresMillis()) / 1000.0});
                        it.remove();
                    }
                }
            }
        }
    }

    /** The unit a worker process holds, and its owner id, or null. */
    private static String[] heldBy(String schema, long pid) throws Exception {
        try (Connection c = PgService.connect(); PreparedStatement q = c.prepareStatement("SELECT unit_id, owner, expires FROM " + schema
                + ".work WHERE owner LIKE ? AND expires > now()")) {
            q.setString(1, WorkerName.host() + ":" + pid + ":%");
            try (ResultSet r = q.executeQuery()) {
                return r.next() ? new String[] {r.getString(1), r.getString(2), Long.toString(r.getTimestamp(3).getTime())} : null;
            }
        }
    }

    private static long query(String schema, String sql) throws Exception {
        try (Connection c = PgService.connect(); Statement s = c.createStatement()) {
            s.execute("SET search_path TO " + schema);
            try (ResultSet r = s.executeQuery(sql)) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    private static Process start(Path series, String url) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx512m",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), ScanChild.class.getName(), series.toString(), url, Long.toString(LEASE_MS),
                Integer.toString(NOISE_SAMPLES))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
