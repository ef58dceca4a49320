package dev.overtune.scan;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scan results in SQLite (WAL): one row per finished unit, written in its own transaction, keyed
 * by the unit's deterministic id so nothing is stored twice. The plan that made the store is kept
 * in it; a store from an incompatible plan is refused, and a corrupt file is reported, never replaced.
 */
public final class ResultStore implements AutoCloseable {
    static final int SCHEMA_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String FINGERPRINT = "fingerprint:";

    /**
     * A unit's per-window (per-example) values of each sampled metric, written with the unit. float32
     * little-endian: the values are rounded to float32 when measured (they come from float32 log-probabilities),
     * so nothing is lost, and the store is half the size of float64. A store made before this table has
     * none: its units read with empty samples, and it gains the table when opened for a scan.
     */
    private static final String SAMPLE_TABLE = """
            CREATE TABLE IF NOT EXISTS unit_sample (
              unit_id TEXT NOT NULL,
              metric TEXT NOT NULL,
              samples BLOB NOT NULL,
              PRIMARY KEY (unit_id, metric))""";

    private final Path file;
    private final Connection db;

    private ResultStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens or creates the store for a plan; refuses one made by a different plan. */
    public static ResultStore open(Path file, ScanPlan plan, String planJson) {
        ResultStore store = openExisting(file, true);
        try {
            String existing = store.meta("plan_hash");
            if (existing == null) {
                store.putMeta("plan_hash", plan.planHash());
                store.putMeta("plan", planJson);
                store.putMeta("schema_version", Integer.toString(SCHEMA_VERSION));
                store.putMeta("created", Instant.now().toString());
            } else if (!existing.equals(plan.planHash())) {
                store.close();
                throw new StoreException(file + ": made by a different scan plan (task, held-out text or evaluation/fine-tune settings differ: "
                        + existing + " vs " + plan.planHash() + "); use the original settings or another --store");
            } else {
                store.checkFingerprints(plan);
                // The grid or the checkpoint list may have grown: the store describes the latest plan.
                store.putMeta("plan", planJson);
            }
            store.recordFingerprints(plan);
            return store;
        } catch (SQLException e) {
            store.close();
            throw corrupt(file, e);
        }
    }

    /**
     * Refuses a checkpoint whose weights changed since it was scanned into this store (re-pre-trained into the
     * same directory): its stored units would otherwise be taken as done, or mixed with the new weights'
     * results. Checked before anything is written, so a refused open leaves the store as it was.
     */
    private void checkFingerprints(ScanPlan plan) throws SQLException {
        for (ScanCheckpoint c : plan.checkpoints()) {
            String stored = c.fingerprint().isEmpty() ? null : meta(FINGERPRINT + c.name());
            if (stored != null && !stored.equals(c.fingerprint())) {
                close();
                throw new StoreException(file + ": checkpoint '" + c.name() + "' is not the one scanned into this store (the weight hashes "
                        + "in its series.json changed: " + stored + " vs " + c.fingerprint() + "); scan into another --store, or delete this one to start over");
            }
        }
    }

    /** Keeps the fingerprint of each checkpoint scanned into the store for the first time. */
    private void recordFingerprints(ScanPlan plan) throws SQLException {
        for (ScanCheckpoint c : plan.checkpoints()) {
            if (!c.fingerprint().isEmpty() && meta(FINGERPRINT + c.name()) == null) {
                putMeta(FINGERPRINT + c.name(), c.fingerprint());
            }
        }
    }

    /** Opens a store for reading (reports); it must exist. */
    public static ResultStore read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new StoreException(file + ": no such result store; run 'overtune scan ... --store " + file + "' first");
        }
        ResultStore store = openExisting(file, false);
        try {
            if (store.meta("plan_hash") == null) {
                store.close();
                throw new StoreException(file + ": not an overtune result store (no plan in it)");
            }
        } catch (SQLException e) {
            store.close();
            throw corrupt(file, e);
        }
        return store;
    }

    private static ResultStore openExisting(Path file, boolean create) {
        try {
            if (Files.exists(file) && Files.size(file) > 0 && !looksLikeSqlite(file)) {
                throw new StoreException(file + ": not a SQLite database (corrupt or another kind of file); it was left untouched, "
                        + "move it away or pass another --store");
            }
            Path parent = file.toAbsolutePath().getParent();
            if (create && parent != null) {
                Files.createDirectories(parent);
            }
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                checkIntegrity(file, s);
                s.execute("PRAGMA busy_timeout = 10000");
                if (create) {
                    s.execute("PRAGMA journal_mode = WAL");
                    s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                    s.execute("""
                            CREATE TABLE IF NOT EXISTS unit (
                              id TEXT PRIMARY KEY,
                              checkpoint TEXT NOT NULL,
                              tokens INTEGER NOT NULL,
                              probe TEXT NOT NULL,
                              setting TEXT NOT NULL,
                              seed INTEGER NOT NULL,
                              status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
                              metrics TEXT NOT NULL,
                              curve TEXT NOT NULL,
                              reason TEXT,
                              backend TEXT,
                              engine_version TEXT,
                              git_hash TEXT,
                              seconds REAL,
                              finished TEXT NOT NULL)""");
                    s.execute(SAMPLE_TABLE);
                }
            } catch (SQLException | StoreException e) {
                db.close();
                throw e;
            }
            return new ResultStore(file, db);
        } catch (SQLException e) {
            throw corrupt(file, e);
        } catch (java.io.IOException e) {
            throw new StoreException(file + ": cannot open (" + e.getMessage() + ")", e);
        }
    }

    private static void checkIntegrity(Path file, Statement s) throws SQLException {
        try (ResultSet r = s.executeQuery("PRAGMA quick_check")) {
            String verdict = r.next() ? r.getString(1) : "no answer";
            if (!"ok".equals(verdict)) {
                throw new StoreException(file + ": damaged result store (SQLite quick_check: " + verdict.replace('\n', ' ')
                        + "); it was left untouched, move it away or pass another --store");
            }
        }
    }

    private static boolean looksLikeSqlite(Path file) throws java.io.IOException {
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(16);
            return new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).equals("SQLite format 3\0");
        }
    }

    private static StoreException corrupt(Path file, SQLException e) {
        return new StoreException(file + ": unreadable result store (" + e.getMessage().replace('\n', ' ')
                + "); it was left untouched, move it away or pass another --store", e);
    }

    public Path file() {
        return file;
    }

    public String meta(String key) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            q.setString(1, key);
            try (ResultSet r = q.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    private void putMeta(String key, String value) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
            q.setString(1, key);
            q.setString(2, value);
            q.executeUpdate();
        }
    }

    /** The hash of the plan that made this store: stores of one plan hold the same units. */
    public String planHash() {
        try {
            return meta("plan_hash");
        } catch (SQLException e) {
            throw corrupt(file, e);
        }
    }

    public String planJson() {
        try {
            return meta("plan");
        } catch (SQLException e) {
            throw corrupt(file, e);
        }
    }

    /** Ids of units already finished, done or failed. */
    public Set<String> finishedIds() {
        Set<String> ids = new HashSet<>();
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT id FROM unit")) {
            while (r.next()) {
                ids.add(r.getString(1));
            }
        } catch (SQLException e) {
            throw corrupt(file, e);
        }
        return ids;
    }

    /** Records a finished unit and its samples in one transaction; a unit already stored is left as it is. */
    public boolean record(UnitResult u) {
        String sql = "INSERT OR IGNORE INTO unit (id, checkpoint, tokens, probe, setting, seed, status, metrics, curve, reason, "
                + "backend, engine_version, git_hash, seconds, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try {
            db.setAutoCommit(false);
            try (PreparedStatement q = db.prepareStatement(sql)) {
                q.setString(1, u.unitId());
                q.setString(2, u.checkpoint());
                q.setLong(3, u.tokens());
                q.setString(4, u.probe().label());
                q.setString(5, JSON.writeValueAsString(new java.util.TreeMap<>(u.setting())));
                q.setLong(6, u.seed());
                q.setString(7, u.done() ? "done" : "failed");
                q.setString(8, JSON.writeValueAsString(new java.util.TreeMap<>(u.metrics())));
                q.setString(9, JSON.writeValueAsString(u.curve()));
                q.setString(10, u.reason());
                q.setString(11, u.backend());
                q.setString(12, u.engineVersion());
                q.setString(13, u.gitHash());
                q.setDouble(14, u.seconds());
                q.setString(15, Instant.now().toString());
                boolean inserted = q.executeUpdate() == 1;
                if (inserted) {
                    recordSamples(u);
                }
                db.commit();
                return inserted;
            } catch (SQLException | RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException(file + ": could not record unit " + u.unitId() + " (" + e.getMessage() + ")", e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void recordSamples(UnitResult u) throws SQLException {
        if (u.samples().isEmpty()) {
            return;
        }
        try (PreparedStatement q = db.prepareStatement("INSERT INTO unit_sample (unit_id, metric, samples) VALUES (?, ?, ?)")) {
            for (Map.Entry<String, double[]> e : new java.util.TreeMap<>(u.samples()).entrySet()) {
                q.setString(1, u.unitId());
                q.setString(2, e.getKey());
                q.setBytes(3, float32(e.getValue()));
                q.addBatch();
            }
            q.executeBatch();
        }
    }

    static byte[] float32(double[] values) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putFloat((float) v);
        }
        return b.array();
    }

    static double[] fromFloat32(byte[] bytes) {
        java.nio.FloatBuffer f = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        double[] out = new double[f.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.get(i);
        }
        return out;
    }

    /** Every unit's samples by unit id; none from a store made before they were kept (no such table). */
    private Map<String, Map<String, double[]>> samplesByUnit() throws SQLException {
        Map<String, Map<String, double[]>> out = new java.util.HashMap<>();
        try (Statement s = db.createStatement()) {
            try (ResultSet t = s.executeQuery("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'unit_sample'")) {
                if (!t.next()) {
                    return out;
                }
            }
            try (ResultSet r = s.executeQuery("SELECT unit_id, metric, samples FROM unit_sample")) {
                while (r.next()) {
                    out.computeIfAbsent(r.getString(1), k -> new java.util.HashMap<>()).put(r.getString(2), fromFloat32(r.getBytes(3)));
                }
            }
        }
        return out;
    }

    /** Every stored unit, in the order they finished. */
    public List<UnitResult> results() {
        List<UnitResult> out = new ArrayList<>();
        String sql = "SELECT id, checkpoint, tokens, probe, setting, seed, status, metrics, curve, reason, backend, engine_version, "
                + "git_hash, seconds FROM unit ORDER BY rowid";
        try (Statement s = db.createStatement()) {
            Map<String, Map<String, double[]>> samples = samplesByUnit();
            try (ResultSet r = s.executeQuery(sql)) {
                while (r.next()) {
                    out.add(new UnitResult(r.getString(1), r.getString(2), r.getLong(3), Probe.parse(r.getString(4)),
                            JSON.readValue(r.getString(5), new TypeReference<Map<String, String>>() {}), r.getLong(6),
                            r.getString(7).equals("done") ? UnitResult.Status.DONE : UnitResult.Status.FAILED,
                            JSON.readValue(r.getString(8), new TypeReference<Map<String, Double>>() {}),
                            JSON.readValue(r.getString(9), new TypeReference<List<Double>>() {}),
                            r.getString(10), r.getString(11), r.getString(12), r.getString(13), r.getDouble(14),
                            samples.getOrDefault(r.getString(1), Map.of())));
                }
            }
        } catch (SQLException e) {
            throw corrupt(file, e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new StoreException(file + ": a stored unit is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw corrupt(file, e);
        }
    }
}
