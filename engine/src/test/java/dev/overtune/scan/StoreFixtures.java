package dev.overtune.scan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Plans without a model and results made up for them, for testing the store alone. */
final class StoreFixtures {
    private StoreFixtures() {}

    static ScanPlan plan() {
        List<ScanCheckpoint> cps = List.of(new ScanCheckpoint("tokens-1M", Path.of("series/tokens-1M"), 1_000_000),
                new ScanCheckpoint("tokens-2M", Path.of("series/tokens-2M"), 2_000_000));
        return ScanPlan.of(cps, "task", "taskhash", "oodhash", ScanDefaults.settings());
    }

    /** A plan of another task: its hash differs from {@link #plan()}'s. */
    static ScanPlan plan2() {
        return ScanPlan.of(plan().checkpoints(), "other-task", "otherhash", "oodhash", ScanDefaults.settings());
    }

    static UnitResult done(Unit u, double loss) {
        return new UnitResult(u.id(), u.checkpoint().name(), u.checkpoint().tokens(), u.kind(), u.setting(), u.seed(),
                UnitResult.Status.DONE, Map.of("ood_loss", loss), List.of(), null, "test", "0", "git", 0.1);
    }

    static UnitResult failed(Unit u, String reason) {
        return new UnitResult(u.id(), u.checkpoint().name(), u.checkpoint().tokens(), u.kind(), u.setting(), u.seed(),
                UnitResult.Status.FAILED, Map.of(), List.of(), reason, "test", "0", "git", 0.1);
    }

    static int pragma(Path file, String name) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("PRAGMA " + name)) {
            return r.getInt(1);
        }
    }

    static String journalMode(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("PRAGMA journal_mode")) {
            return r.getString(1);
        }
    }

    static List<String> sideFiles(Path store) throws Exception {
        try (Stream<Path> files = Files.list(store.getParent())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(store.getFileName().toString()) && !n.equals(store.getFileName().toString())).toList();
        }
    }

    /**
     * A store made the way overtune made them before stores had an application id: WAL mode, meta and unit
     * tables (schema_version 1), no claim table; with the given units recorded.
     */
    static void legacyStore(Path file, ScanPlan plan, String planJson, List<UnitResult> units) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS unit (
                      id TEXT PRIMARY KEY, checkpoint TEXT NOT NULL, tokens INTEGER NOT NULL, probe TEXT NOT NULL, setting TEXT NOT NULL,
                      seed INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('done', 'failed')), metrics TEXT NOT NULL,
                      curve TEXT NOT NULL, reason TEXT, backend TEXT, engine_version TEXT, git_hash TEXT, seconds REAL, finished TEXT NOT NULL)""");
            for (String[] kv : new String[][] {{"plan_hash", plan.planHash()}, {"plan", planJson}, {"schema_version", "1"},
                    {"created", "2026-01-01T00:00:00Z"}}) {
                try (PreparedStatement q = c.prepareStatement("INSERT INTO meta VALUES (?, ?)")) {
                    q.setString(1, kv[0]);
                    q.setString(2, kv[1]);
                    q.executeUpdate();
                }
            }
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            for (UnitResult u : units) {
                try (PreparedStatement q = c.prepareStatement("INSERT INTO unit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    q.setString(1, u.unitId());
                    q.setString(2, u.checkpoint());
                    q.setLong(3, u.tokens());
                    q.setString(4, u.kind().label());
                    q.setString(5, json.writeValueAsString(new java.util.TreeMap<>(u.setting())));
                    q.setLong(6, u.seed());
                    q.setString(7, u.done() ? "done" : "failed");
                    q.setString(8, json.writeValueAsString(new java.util.TreeMap<>(u.metrics())));
                    q.setString(9, json.writeValueAsString(u.curve()));
                    q.setString(10, u.reason());
                    q.setString(11, u.backend());
                    q.setString(12, u.engineVersion());
                    q.setString(13, u.gitHash());
                    q.setDouble(14, u.seconds());
                    q.setString(15, "2026-01-01T00:00:00Z");
                    q.executeUpdate();
                }
            }
        }
    }
}
