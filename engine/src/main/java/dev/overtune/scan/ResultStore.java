package dev.overtune.scan;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.probe.ProbeKind;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.time.Duration;
import java.util.HashMap;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scan results in SQLite: one row per finished unit, written in its own transaction, keyed by the unit's
 * deterministic id so nothing is stored twice. The plan that made the store is kept in it; a store from an
 * incompatible plan is refused, a corrupt file is reported and another program's database refused, both
 * left untouched. Nothing is written until something has to be (a complete store resumes as a no-op on
 * read-only media); a writer works in WAL mode and, closing last, leaves the store in rollback mode without
 * side files, so readers open it read-only anywhere.
 */
public final class ResultStore implements ScanStore {
    static final int SCHEMA_VERSION = StoreFile.SCHEMA_VERSION;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String FINGERPRINT = "fingerprint:";
    private static final String WEIGHTS = "weights:";
    static final String SHARD = "shard:";

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
    private final boolean readOnly;
    private StoreFile.Kind kind;
    /** True once this connection switched the store to WAL and made sure of the schema: it wrote. */
    private boolean writing;
    private final SqliteClaims claims = new SqliteClaims();
    private final Map<String, String> deferredMeta = new java.util.LinkedHashMap<>();

    private ResultStore(Path file, Connection db, boolean readOnly, StoreFile.Kind kind) {
        this.file = file;
        this.db = db;
        this.readOnly = readOnly;
        this.kind = kind;
    }

    /**
     * Opens or creates the store for a plan; refuses one made by a different plan, and anything that is not an
     * overtune store. Writes only what changed: opening a complete store of the same plan writes nothing.
     */
    public static ResultStore open(Path file, ScanPlan plan, String planJson) {
        ResultStore store = openForWriting(file);
        try {
            String existing = store.meta("plan_hash");
            if (existing == null) {
                store.beginWriting();
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
                if (!planJson.equals(store.meta("plan"))) {
                    store.putMetaOnFirstWrite("plan", planJson);
                }
            }
            store.recordFingerprints(plan);
            return store;
        } catch (SQLException e) {
            store.close();
            throw StoreFile.failure(file, e);
        } catch (StoreException e) {
            store.close();
            throw e;
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
                throw new StoreException(file + ": checkpoint '" + c.name() + "' is not the one scanned into this store (the weight hashes "
                        + "in its series.json changed: " + stored + " vs " + c.fingerprint() + "); scan into another --store, or delete this one to start over");
            }
        }
    }

    /** Keeps the fingerprint of each checkpoint scanned into the store for the first time. */
    private void recordFingerprints(ScanPlan plan) throws SQLException {
        for (ScanCheckpoint c : plan.checkpoints()) {
            if (!c.fingerprint().isEmpty() && meta(FINGERPRINT + c.name()) == null) {
                putMetaOnFirstWrite(FINGERPRINT + c.name(), c.fingerprint());
            }
        }
    }

    /**
     * Checks the digest of the weights a checkpoint loaded to against the one its first scan into this store
     * recorded, and records it the first time: whatever series.json says, a unit is never measured on bytes
     * other than the ones the store's units of that checkpoint were measured on.
     */
    public synchronized void checkLoadedWeights(ScanCheckpoint checkpoint, String digest) {
        try {
            String stored = meta(WEIGHTS + checkpoint.name());
            if (stored == null) {
                beginWriting();
                try (PreparedStatement q = db.prepareStatement("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)")) {
                    q.setString(1, WEIGHTS + checkpoint.name());
                    q.setString(2, digest);
                    q.executeUpdate();
                }
                stored = meta(WEIGHTS + checkpoint.name()); // another scan on this store may have recorded it first
            }
            if (!stored.equals(digest)) {
                throw new StoreException(checkpoint.dir() + ": the weights of checkpoint '" + checkpoint.name() + "' are not the ones scanned into "
                        + file + " (loaded parameters sha256 " + digest.substring(0, 16) + ", stored units were measured on " + stored.substring(0, 16)
                        + "; the files changed in place whatever series.json says); restore the original files, or scan into another --store");
            }
        } catch (SQLException e) {
            throw StoreFile.failure(file, e);
        }
    }

    /**
     * Creates a new store holding {@code meta} (the plan, its hash, checkpoint fingerprints and digests), for units
     * gathered from other stores: {@code merge-stores}. Refuses a file that exists.
     */
    public static ResultStore create(Path file, Map<String, String> meta) {
        if (Files.exists(file)) {
            throw new StoreException(file + ": already exists; merge into a new file (or move this one away)");
        }
        ResultStore store = openForWriting(file);
        try {
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(meta).entrySet()) {
                if (!e.getKey().equals("schema_version") && !e.getKey().equals("created")) {
                    store.putMeta(e.getKey(), e.getValue());
                }
            }
            store.putMeta("schema_version", Integer.toString(SCHEMA_VERSION));
            store.putMeta("created", Instant.now().toString());
            return store;
        } catch (SQLException e) {
            store.close();
            throw StoreFile.failure(file, e);
        }
    }

    /** Opens a store for reading (reports, comparisons): read-only, so it works on read-only media and writes nothing. */
    public static ResultStore read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new StoreException(file + ": no such result store; run 'overtune scan ... --store " + file + "' first");
        }
        notSqlite(file);
        Connection db = null;
        try {
            db = StoreFile.readOnly(file);
            StoreFile.Kind kind = StoreFile.identify(file, db);
            ResultStore store = new ResultStore(file, db, true, kind);
            if (kind == StoreFile.Kind.NEW || store.meta("plan_hash") == null) {
                store.close();
                throw new StoreException(file + ": not an overtune result store (no plan in it)");
            }
            return store;
        } catch (SQLException e) {
            closeQuietly(db);
            throw StoreFile.failure(file, e);
        } catch (StoreException e) {
            closeQuietly(db);
            throw e;
        }
    }

    /** Identifies the file on a connection that cannot write, then opens it for writing; a refused file is left byte for byte as it was. */
    private static ResultStore openForWriting(Path file) {
        boolean exists = Files.exists(file);
        if (exists) {
            notSqlite(file);
        }
        StoreFile.Kind kind = StoreFile.Kind.NEW;
        try {
            if (exists && Files.size(file) > 0) {
                try (Connection probe = StoreFile.readOnly(file)) {
                    kind = StoreFile.identify(file, probe);
                }
            } else {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
            }
        } catch (SQLException e) {
            throw StoreFile.failure(file, e);
        } catch (java.io.IOException e) {
            throw new StoreException(file + ": cannot create (" + e.getMessage() + "); " + StoreFile.accessCause(file), e);
        }
        Connection db = null;
        try {
            // A file this process cannot write is opened read-only from the start: SQLite's own fallback would leave
            // -shm and -wal beside a WAL-mode store, with its mode, and they would block the store after a chmod.
            boolean writable = kind == StoreFile.Kind.NEW || Files.isWritable(file);
            db = writable ? StoreFile.readWrite(file) : StoreFile.readOnly(file);
            ResultStore store = new ResultStore(file, db, false, kind);
            if (kind == StoreFile.Kind.NEW) {
                store.beginWriting();
            }
            return store;
        } catch (SQLException e) {
            closeQuietly(db);
            throw StoreFile.failure(file, e);
        } catch (StoreException e) {
            closeQuietly(db);
            throw e;
        }
    }

    private static void notSqlite(Path file) {
        try {
            if (Files.size(file) > 0 && !StoreFile.looksLikeSqlite(file)) {
                throw new StoreException(file + ": not a SQLite database (corrupt or another kind of file); it was left untouched, "
                        + "move it away or pass another --store");
            }
        } catch (java.io.IOException e) {
            throw new StoreException(file + ": " + StoreFile.accessCause(file) + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Before the first write: WAL mode (a killed scan loses at most the unit it was running), the schema, and the
     * store's identity. A store from before application ids is upgraded here, and only here.
     */
    private void beginWriting() throws SQLException {
        if (writing) {
            return;
        }
        if (readOnly) {
            throw new StoreException(file + ": opened for reading only");
        }
        try {
            writeSchema();
        } catch (SQLException e) {
            if (StoreFile.isAccessProblem(e)) {
                throw new StoreException(file + ": this scan has to write to the store but " + StoreFile.accessCause(file)
                        + " (SQLite: " + e.getMessage().replace('\n', ' ') + "); the store was left as it was", e);
            }
            throw e;
        }
        if (kind == StoreFile.Kind.LEGACY) {
            putMeta("schema_version", Integer.toString(SCHEMA_VERSION));
            kind = StoreFile.Kind.OURS;
        }
        writing = true;
        for (Map.Entry<String, String> e : deferredMeta.entrySet()) {
            putMeta(e.getKey(), e.getValue());
        }
        deferredMeta.clear();
    }

    /**
     * Metadata that describes the work of this scan (the latest plan, fingerprints of checkpoints new to the store):
     * written with the first unit, so that a scan with nothing to run writes nothing.
     */
    private void putMetaOnFirstWrite(String key, String value) throws SQLException {
        if (writing) {
            putMeta(key, value);
        } else {
            deferredMeta.put(key, value);
        }
    }

    /**
     * WAL mode, then the tables and the store's identity in one transaction: a second scan opening the store meanwhile
     * sees either an empty file or a whole overtune store, never tables without the application id (which it would
     * refuse as foreign). While two scans create one store at once, SQLite can answer BUSY at once, without its busy
     * timeout (a switch to WAL, a lock upgrade): that is retried for as long as the timeout would have waited.
     */
    private void writeSchema() throws SQLException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(StoreFile.BUSY_TIMEOUT_MS);
        while (true) {
            try (Statement s = db.createStatement()) {
                try (Statement wal = db.createStatement()) {
                    wal.execute("PRAGMA journal_mode = WAL");  // closed at once: its result row would hold a read transaction
                }
                db.setAutoCommit(false);
                try {
                    createSchema(s);
                    s.execute("PRAGMA application_id = " + StoreFile.APPLICATION_ID);
                    s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
                    db.commit();
                    return;
                } catch (SQLException e) {
                    db.rollback();
                    throw e;
                } finally {
                    db.setAutoCommit(true);
                }
            } catch (SQLException e) {
                if (!StoreFile.isLocked(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Every table of a store, created where missing: the one place the schema is written. */
    private static void createSchema(Statement s) throws SQLException {
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
        s.execute("CREATE TABLE IF NOT EXISTS claim (unit_id TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_ms INTEGER NOT NULL)");
        s.execute(SAMPLE_TABLE);
    }

    private static void closeQuietly(Connection db) {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // already failing with a better message
            }
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public String location() {
        return file.toString();
    }

    @Override
    public synchronized Map<String, String> meta() {
        Map<String, String> out = new java.util.TreeMap<>();
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT key, value FROM meta")) {
            while (r.next()) {
                out.put(r.getString(1), r.getString(2));
            }
        } catch (SQLException e) {
            throw StoreFile.failure(file, e);
        }
        out.putAll(deferredMeta);
        return out;
    }

    @Override
    public synchronized void noteShard(int index, int count) {
        try {
            if (meta(SHARD + index + "/" + count) == null) {
                putMetaOnFirstWrite(SHARD + index + "/" + count, "1");
            }
        } catch (SQLException e) {
            throw StoreFile.failure(file, e);
        }
    }

    /** One machine's store: a scan ends when nothing is left to claim, and says what other scans still hold. */
    @Override
    public boolean awaitsOthers() {
        return false;
    }

    public synchronized String meta(String key) throws SQLException {
        if (deferredMeta.containsKey(key)) {
            return deferredMeta.get(key);
        }
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
            throw StoreFile.failure(file, e);
        }
    }

    public String planJson() {
        try {
            return meta("plan");
        } catch (SQLException e) {
            throw StoreFile.failure(file, e);
        }
    }

    /** Ids of units already finished, done or failed. */
    public synchronized Set<String> finishedIds() {
        return storedStatus().keySet();
    }

    /** Every stored unit's id and status. */
    public synchronized Map<String, UnitResult.Status> storedStatus() {
        Map<String, UnitResult.Status> out = new HashMap<>();
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT id, status FROM unit")) {
            while (r.next()) {
                out.put(r.getString(1), r.getString(2).equals("done") ? UnitResult.Status.DONE : UnitResult.Status.FAILED);
            }
        } catch (SQLException e) {
            throw StoreFile.failure(file, e);
        }
        return out;
    }

    /** Records a finished unit and its samples in one transaction; a unit already stored is left as it is. */
    public boolean record(UnitResult u) {
        return record(u, false);
    }

    /**
     * Records a finished unit and releases this store's claim on it, in one transaction. A unit stored as done is
     * never changed; a failed one is replaced only when {@code replaceFailed} (a retry).
     */
    public synchronized boolean record(UnitResult u, boolean replaceFailed) {
        String sql = "INSERT INTO unit (id, checkpoint, tokens, probe, setting, seed, status, metrics, curve, reason, "
                + "backend, engine_version, git_hash, seconds, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                + (replaceFailed
                    ? "ON CONFLICT (id) DO UPDATE SET checkpoint = excluded.checkpoint, tokens = excluded.tokens, probe = excluded.probe, "
                      + "setting = excluded.setting, seed = excluded.seed, status = excluded.status, metrics = excluded.metrics, "
                      + "curve = excluded.curve, reason = excluded.reason, backend = excluded.backend, engine_version = excluded.engine_version, "
                      + "git_hash = excluded.git_hash, seconds = excluded.seconds, finished = excluded.finished WHERE unit.status = 'failed'"
                    : "ON CONFLICT (id) DO NOTHING");
        try {
            beginWriting();
            db.setAutoCommit(false);
            try (PreparedStatement q = db.prepareStatement(sql);
                 PreparedStatement release = db.prepareStatement("DELETE FROM claim WHERE unit_id = ? AND owner = ?")) {
                q.setString(1, u.unitId());
                q.setString(2, u.checkpoint());
                q.setLong(3, u.tokens());
                q.setString(4, u.kind().label());
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
                boolean stored = q.executeUpdate() == 1;
                if (stored) {
                    recordSamples(u);
                }
                release.setString(1, u.unitId());
                release.setString(2, claims.owner);
                release.executeUpdate();
                db.commit();
                return stored;
            } catch (SQLException | RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException(file + ": could not record unit " + u.unitId() + " (" + StoreFile.failure(file, e).getMessage() + ")", e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The unit's samples, replacing any of a failed unit this one retries. */
    private void recordSamples(UnitResult u) throws SQLException {
        try (PreparedStatement d = db.prepareStatement("DELETE FROM unit_sample WHERE unit_id = ?")) {
            d.setString(1, u.unitId());
            d.executeUpdate();
        }
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

    /** The store's unit claims, held under this store's owner. */
    public UnitClaims claims() {
        return claims;
    }

    /** The columns {@link #unitRow} reads, in its order; the PostgreSQL store's unit table has them too. */
    static final String UNIT_COLUMNS = "id, checkpoint, tokens, probe, setting, seed, status, metrics, curve, reason, backend, "
            + "engine_version, git_hash, seconds";

    /** One unit from a row of {@link #UNIT_COLUMNS}, with its samples (by unit id) if any were stored. */
    static UnitResult unitRow(ResultSet r, Map<String, Map<String, double[]>> samples)
            throws SQLException, com.fasterxml.jackson.core.JsonProcessingException {
        return new UnitResult(r.getString(1), r.getString(2), r.getLong(3), ProbeKind.parse(r.getString(4)),
                JSON.readValue(r.getString(5), new TypeReference<Map<String, String>>() {}), r.getLong(6),
                r.getString(7).equals("done") ? UnitResult.Status.DONE : UnitResult.Status.FAILED,
                JSON.readValue(r.getString(8), new TypeReference<Map<String, Double>>() {}),
                JSON.readValue(r.getString(9), new TypeReference<List<Double>>() {}),
                r.getString(10), r.getString(11), r.getString(12), r.getString(13), r.getDouble(14),
                samples.getOrDefault(r.getString(1), Map.of()));
    }

    /** Every stored unit, in the order they finished. */
    public synchronized List<UnitResult> results() {
        List<UnitResult> out = new ArrayList<>();
        String sql = "SELECT " + UNIT_COLUMNS + " FROM unit ORDER BY rowid";
        try (Statement s = db.createStatement()) {
            Map<String, Map<String, double[]>> samples = samplesByUnit();
            try (ResultSet r = s.executeQuery(sql)) {
                while (r.next()) {
                    out.add(unitRow(r, samples));
                }
            }
        } catch (SQLException e) {
            throw StoreFile.failure(file, e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new StoreException(file + ": a stored unit is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        return out;
    }

    /**
     * Closes; a connection that wrote checkpoints the WAL and, if no other scan has the store open, returns it to
     * rollback mode, so no -wal or -shm is left beside it and readers can open it read-only anywhere.
     */
    @Override
    public synchronized void close() {
        claims.stopRenewing();
        try {
            if (writing) {
                try (Statement s = db.createStatement()) {
                    s.execute("DELETE FROM claim WHERE owner = '" + claims.owner + "'");
                    s.execute("PRAGMA busy_timeout = 0");
                    s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
                    s.execute("PRAGMA journal_mode = DELETE");
                } catch (SQLException stillShared) {
                    // another scan has the store open: the last one to close does this
                }
            }
            db.close();
        } catch (SQLException e) {
            throw StoreFile.failure(file, e);
        }
    }

    /** How long a claim lasts without renewal (default five minutes); renewed every third of it while the unit runs. */
    public void claimLease(Duration lease) {
        claims.lease = lease;
    }

    /** Keeps this store's claim on a running unit alive until {@link #stopRenewing()}, the next call, or close. */
    public void renewWhileRunning(String unitId) {
        claims.renewWhileRunning(unitId);
    }

    public void stopRenewing() {
        claims.stopRenewing();
    }

    /** Claims in the store's own {@code claim} table, taken in IMMEDIATE transactions. */
    private final class SqliteClaims implements UnitClaims {
        private static final String HOST = WorkerName.host();
        private final String owner = WorkerName.newOwner();
        private volatile Duration lease = Duration.ofMinutes(5);
        private java.util.concurrent.ScheduledExecutorService renewer;
        private final Instant opened = Instant.now();

        @Override
        public String owner() {
            return owner;
        }

        @Override
        public Optional<Unit> claimNext(List<Unit> candidates, Set<String> retry) {
            synchronized (ResultStore.this) {
                try {
                    beginWriting();
                    db.setAutoCommit(false);
                    try {
                        Optional<Unit> taken = takeFirstFree(candidates, retry);
                        db.commit();
                        return taken;
                    } catch (SQLException | RuntimeException e) {
                        db.rollback();
                        throw e;
                    } finally {
                        db.setAutoCommit(true);
                    }
                } catch (SQLException e) {
                    throw StoreFile.failure(file, e);
                }
            }
        }

        /** Walks the candidates in order with point lookups: the first few are free unless other scans took them. */
        private Optional<Unit> takeFirstFree(List<Unit> candidates, Set<String> retry) throws SQLException {
            long now = System.currentTimeMillis();
            try (PreparedStatement row = db.prepareStatement("SELECT status, finished FROM unit WHERE id = ?");
                 PreparedStatement held = db.prepareStatement("SELECT owner, expires_ms FROM claim WHERE unit_id = ?")) {
                for (Unit u : candidates) {
                    row.setString(1, u.id());
                    String[] stored = null;
                    try (ResultSet r = row.executeQuery()) {
                        if (r.next()) {
                            stored = new String[] {r.getString(1), r.getString(2)};
                        }
                    }
                    if (!needsRunning(u, stored, retry)) {
                        continue;
                    }
                    held.setString(1, u.id());
                    try (ResultSet r = held.executeQuery()) {
                        if (r.next() && r.getLong(2) > now && !endedHere(r.getString(1))) {
                            continue;
                        }
                    }
                    try (PreparedStatement q = db.prepareStatement("INSERT OR REPLACE INTO claim (unit_id, owner, expires_ms) VALUES (?, ?, ?)")) {
                        q.setString(1, u.id());
                        q.setString(2, owner);
                        q.setLong(3, now + lease.toMillis());
                        q.executeUpdate();
                    }
                    return Optional.of(u);
                }
            }
            return Optional.empty();
        }

        /** Not stored yet, or a failed row stored before this scan began that is to be retried. */
        private boolean needsRunning(Unit u, String[] row, Set<String> retry) {
            if (row == null) {
                return true;
            }
            return retry.contains(u.id()) && row[0].equals("failed") && Instant.parse(row[1]).isBefore(opened);
        }

        /** Units under a claim that has not expired and is not held by a process of this host that has ended (this owner's included). */
        private Set<String> liveClaims() throws SQLException {
            Set<String> out = new java.util.HashSet<>();
            long now = System.currentTimeMillis();
            try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT unit_id, owner, expires_ms FROM claim")) {
                while (r.next()) {
                    String holder = r.getString(2);
                    if (r.getLong(3) > now && !endedHere(holder)) {
                        out.add(r.getString(1));
                    }
                }
            }
            return out;
        }

        @Override
        public int heldByOthers(List<Unit> candidates) {
            synchronized (ResultStore.this) {
                try {
                    Set<String> stored = storedStatus().keySet();
                    Set<String> held = liveClaims();
                    held.removeAll(ownClaims());
                    return (int) candidates.stream().filter(u -> !stored.contains(u.id()) && held.contains(u.id())).count();
                } catch (SQLException e) {
                    throw StoreFile.failure(file, e);
                }
            }
        }

        private Set<String> ownClaims() throws SQLException {
            Set<String> out = new java.util.HashSet<>();
            try (PreparedStatement q = db.prepareStatement("SELECT unit_id FROM claim WHERE owner = ?")) {
                q.setString(1, owner);
                try (ResultSet r = q.executeQuery()) {
                    while (r.next()) {
                        out.add(r.getString(1));
                    }
                }
            }
            return out;
        }

        @Override
        public boolean renew(String unitId) {
            synchronized (ResultStore.this) {
                try (PreparedStatement q = db.prepareStatement("UPDATE claim SET expires_ms = ? WHERE unit_id = ? AND owner = ?")) {
                    q.setLong(1, System.currentTimeMillis() + lease.toMillis());
                    q.setString(2, unitId);
                    q.setString(3, owner);
                    return q.executeUpdate() == 1;
                } catch (SQLException e) {
                    throw StoreFile.failure(file, e);
                }
            }
        }

        @Override
        public void release(String unitId) {
            synchronized (ResultStore.this) {
                try (PreparedStatement q = db.prepareStatement("DELETE FROM claim WHERE unit_id = ? AND owner = ?")) {
                    q.setString(1, unitId);
                    q.setString(2, owner);
                    q.executeUpdate();
                } catch (SQLException e) {
                    throw StoreFile.failure(file, e);
                }
            }
        }

        void renewWhileRunning(String unitId) {
            stopRenewing();
            renewer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "overtune-claim-renewal");
                t.setDaemon(true);
                return t;
            });
            long every = Math.max(1, lease.toMillis() / 3);
            renewer.scheduleAtFixedRate(() -> {
                try {
                    renew(unitId);
                } catch (RuntimeException ignored) {
                    // a busy store delays one renewal; the lease leaves room for two more
                }
            }, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        void stopRenewing() {
            if (renewer != null) {
                renewer.shutdownNow();
                renewer = null;
            }
        }

        /** A claim of a process on this host that no longer runs: its scan was killed, the claim is free. */
        private static boolean endedHere(String holder) {
            String[] parts = holder.split(":");
            if (parts.length < 3 || !parts[0].equals(HOST)) {
                return false;
            }
            try {
                return ProcessHandle.of(Long.parseLong(parts[1])).map(p -> !p.isAlive()).orElse(true);
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }
}
