package dev.overtune.scan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Scan results in PostgreSQL, shared by workers on many machines. The plan's units form a queue ({@code work}); a
 * worker claims one with {@code SELECT … FOR UPDATE SKIP LOCKED}, preferring the checkpoint it has loaded and then
 * the checkpoints fewest other workers are on, and holds it under a lease that it renews while the unit runs. A
 * finished unit is inserted with its samples and its claim released in one transaction, keyed by the unit's id: a
 * late result from a worker whose lease expired (and whose unit another worker ran) is counted in
 * {@code late_result} and changes nothing. Lease times are the database's clock, so workers' clocks need not agree.
 */
public final class PgStore implements ScanStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FINGERPRINT = "fingerprint:";
    private static final String WEIGHTS = "weights:";

    private final PgLocation at;
    private final HikariDataSource pool;
    private final String owner = WorkerName.newOwner();
    private final PgClaims claims = new PgClaims();
    private volatile Duration lease = Duration.ofMinutes(5);
    private ScheduledExecutorService renewer;
    /** The database's time when this store was opened: failed units stored before it may be retried. */
    private Timestamp opened;
    private final Thread releaseOnExit = new Thread(this::releaseAll, "overtune-release-claims");

    private PgStore(PgLocation at, HikariDataSource pool) {
        this.at = at;
        this.pool = pool;
    }

    /**
     * Opens the store for a plan, creating or migrating its schema; refuses one of another plan, a newer schema, or
     * checkpoints whose weights changed, before writing anything. Adds the plan's units to the queue.
     */
    public static PgStore open(String url, ScanPlan plan, String planJson) {
        PgLocation at = PgLocation.parse(url);
        PgStore store = new PgStore(at, connect(at));
        try {
            store.setUp(plan, planJson);
            Runtime.getRuntime().addShutdownHook(store.releaseOnExit); // scancel and kill send SIGTERM: hand the unit back at once
            return store;
        } catch (RuntimeException e) {
            store.pool.close();
            throw e;
        }
    }

    /** Opens the store for reading (reports, merges, comparisons); writes nothing. */
    public static PgStore read(String url) {
        PgLocation at = PgLocation.parse(url);
        PgStore store = new PgStore(at, connect(at));
        try (Connection c = store.pool.getConnection()) {
            int version = PgSchema.version(c, at.schema());
            PgSchema.refuseNewer(version, at);
            if (version == 0 || store.meta().get("plan_hash") == null) {
                throw new StoreException(at + ": no overtune result store there (no plan in schema " + at.schema()
                        + "); run 'overtune scan ... --store " + at + "' first");
            }
            return store;
        } catch (SQLException e) {
            store.pool.close();
            throw failure(at, e);
        } catch (RuntimeException e) {
            store.pool.close();
            throw e;
        }
    }

    private static HikariDataSource connect(PgLocation at) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(at.jdbcUrl());
        c.setUsername(at.user());
        if (at.password() != null) {
            c.setPassword(at.password());
        }
        c.setPoolName("overtune-store");
        c.setMaximumPoolSize(3); // the scan, the lease renewer, the release on exit
        c.setMinimumIdle(1);
        c.setConnectionTimeout(15_000);
        c.setInitializationFailTimeout(1); // connect now: a wrong host or password fails here, before any work
        c.addDataSourceProperty("connectTimeout", "10");
        c.addDataSourceProperty("tcpKeepAlive", "true");
        c.addDataSourceProperty("ApplicationName", "overtune");
        c.addDataSourceProperty("currentSchema", at.schema());
        try {
            return new HikariDataSource(c);
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof SQLException)) {
                cause = cause.getCause();
            }
            throw new StoreException(at + ": cannot connect as user " + at.user() + " (" + why(cause) + "); " + advice(cause), e);
        }
    }

    private static String why(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        m = m.replace('\n', ' ').strip();
        int detail = m.indexOf(" Check that");
        return detail > 0 ? m.substring(0, detail) : m;
    }

    private static String advice(Throwable e) {
        String state = e instanceof SQLException s && s.getSQLState() != null ? s.getSQLState() : "";
        return switch (state) {
            case "28P01", "28000" -> "check the user and its password (URL, PGPASSWORD or ~/.pgpass); nothing was written";
            case "3D000" -> "create the database (createdb) or name an existing one; nothing was written";
            default -> "check that the server runs and accepts TCP connections at that host and port; nothing was written";
        };
    }

    private static StoreException failure(PgLocation at, SQLException e) {
        return new StoreException(at + ": " + why(e), e);
    }

    private void setUp(ScanPlan plan, String planJson) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                    lock.setString(1, "overtune:" + at.schema());
                    lock.execute();
                }
                PgSchema.migrate(c, at);
                Map<String, String> meta = meta(c);
                String existing = meta.get("plan_hash");
                if (existing != null && !existing.equals(plan.planHash())) {
                    throw new StoreException(at + ": made by a different scan plan (task, held-out text or evaluation/fine-tune settings differ: "
                            + existing + " vs " + plan.planHash() + "); use the original settings, or another database or ?schema=NAME; nothing was written");
                }
                for (ScanCheckpoint cp : plan.checkpoints()) {
                    String stored = cp.fingerprint().isEmpty() ? null : meta.get(FINGERPRINT + cp.name());
                    if (stored != null && !stored.equals(cp.fingerprint())) {
                        throw new StoreException(at + ": checkpoint '" + cp.name() + "' is not the one scanned into this store (the weight hashes "
                                + "in its series.json changed: " + stored + " vs " + cp.fingerprint() + "); scan into another database or ?schema=NAME");
                    }
                }
                if (existing == null) {
                    putMeta(c, "plan_hash", plan.planHash());
                    putMeta(c, "schema_version", Integer.toString(PgSchema.LATEST));
                    putMeta(c, "created", Instant.now().toString());
                }
                if (!planJson.equals(meta.get("plan"))) {
                    setMeta(c, "plan", planJson); // the grid or the checkpoint list may have grown: the store describes the latest plan
                }
                for (ScanCheckpoint cp : plan.checkpoints()) {
                    if (!cp.fingerprint().isEmpty() && !meta.containsKey(FINGERPRINT + cp.name())) {
                        putMeta(c, FINGERPRINT + cp.name(), cp.fingerprint());
                    }
                }
                enqueue(c, plan.units());
                try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT now()")) {
                    r.next();
                    opened = r.getTimestamp(1);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure(at, e);
        }
    }

    /** Adds the plan's units to the queue; those already there keep their state. */
    private static void enqueue(Connection c, List<Unit> units) throws SQLException {
        String[] ids = new String[units.size()];
        String[] checkpoints = new String[units.size()];
        Integer[] positions = new Integer[units.size()];
        for (int i = 0; i < units.size(); i++) {
            ids[i] = units.get(i).id();
            checkpoints[i] = units.get(i).checkpoint().name();
            positions[i] = i;
        }
        try (PreparedStatement q = c.prepareStatement("INSERT INTO work (unit_id, checkpoint, position) "
                + "SELECT * FROM unnest(?::text[], ?::text[], ?::int[]) ON CONFLICT (unit_id) DO NOTHING")) {
            q.setArray(1, c.createArrayOf("text", ids));
            q.setArray(2, c.createArrayOf("text", checkpoints));
            q.setArray(3, c.createArrayOf("int4", positions));
            q.executeUpdate();
        }
    }

    private static Map<String, String> meta(Connection c) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT key, value FROM meta")) {
            while (r.next()) {
                out.put(r.getString(1), r.getString(2));
            }
        }
        return out;
    }

    private static void putMeta(Connection c, String key, String value) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")) {
            q.setString(1, key);
            q.setString(2, value);
            q.executeUpdate();
        }
    }

    private static void setMeta(Connection c, String key, String value) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
            q.setString(1, key);
            q.setString(2, value);
            q.executeUpdate();
        }
    }

    @Override
    public String location() {
        return at.toString();
    }

    public PgLocation at() {
        return at;
    }

    @Override
    public Map<String, String> meta() {
        try (Connection c = pool.getConnection()) {
            return meta(c);
        } catch (SQLException e) {
            throw failure(at, e);
        }
    }

    @Override
    public String planHash() {
        return meta().get("plan_hash");
    }

    @Override
    public String planJson() {
        return meta().get("plan");
    }

    @Override
    public Map<String, UnitResult.Status> storedStatus() {
        Map<String, UnitResult.Status> out = new HashMap<>();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT id, status FROM unit")) {
            while (r.next()) {
                out.put(r.getString(1), r.getString(2).equals("done") ? UnitResult.Status.DONE : UnitResult.Status.FAILED);
            }
        } catch (SQLException e) {
            throw failure(at, e);
        }
        return out;
    }

    @Override
    public List<UnitResult> results() {
        List<UnitResult> out = new ArrayList<>();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            c.setReadOnly(true);
            Map<String, Map<String, double[]>> samples = new HashMap<>();
            try (ResultSet r = s.executeQuery("SELECT unit_id, metric, samples FROM unit_sample")) {
                while (r.next()) {
                    samples.computeIfAbsent(r.getString(1), k -> new HashMap<>()).put(r.getString(2), ResultStore.fromFloat32(r.getBytes(3)));
                }
            }
            try (ResultSet r = s.executeQuery("SELECT " + ResultStore.UNIT_COLUMNS + " FROM unit ORDER BY seq")) {
                while (r.next()) {
                    out.add(ResultStore.unitRow(r, samples));
                }
            }
            c.setReadOnly(false);
        } catch (SQLException e) {
            throw failure(at, e);
        } catch (JsonProcessingException e) {
            throw new StoreException(at + ": a stored unit is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        return out;
    }

    @Override
    public boolean record(UnitResult u, boolean replaceFailed) {
        String sql = "INSERT INTO unit (id, checkpoint, tokens, probe, setting, seed, status, metrics, curve, reason, backend, engine_version, "
                + "git_hash, seconds, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                + (replaceFailed
                    ? "ON CONFLICT (id) DO UPDATE SET status = excluded.status, metrics = excluded.metrics, curve = excluded.curve, "
                      + "reason = excluded.reason, backend = excluded.backend, engine_version = excluded.engine_version, git_hash = excluded.git_hash, "
                      + "seconds = excluded.seconds, worker = excluded.worker, finished = now() WHERE unit.status = 'failed'"
                    : "ON CONFLICT (id) DO NOTHING");
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                boolean stored;
                try (PreparedStatement q = c.prepareStatement(sql)) {
                    q.setString(1, u.unitId());
                    q.setString(2, u.checkpoint());
                    q.setLong(3, u.tokens());
                    q.setString(4, u.kind().label());
                    q.setString(5, JSON.writeValueAsString(new TreeMap<>(u.setting())));
                    q.setLong(6, u.seed());
                    q.setString(7, u.done() ? "done" : "failed");
                    q.setString(8, JSON.writeValueAsString(new TreeMap<>(u.metrics())));
                    q.setString(9, JSON.writeValueAsString(u.curve()));
                    q.setString(10, u.reason());
                    q.setString(11, u.backend());
                    q.setString(12, u.engineVersion());
                    q.setString(13, u.gitHash());
                    q.setDouble(14, u.seconds());
                    q.setString(15, owner);
                    stored = q.executeUpdate() == 1;
                }
                if (stored) {
                    recordSamples(c, u);
                } else {
                    try (PreparedStatement late = c.prepareStatement("INSERT INTO late_result (unit_id, owner) VALUES (?, ?)")) {
                        late.setString(1, u.unitId());
                        late.setString(2, owner);
                        late.executeUpdate();
                    }
                }
                try (PreparedStatement release = c.prepareStatement("UPDATE work SET owner = NULL, expires = NULL WHERE unit_id = ? AND owner = ?")) {
                    release.setString(1, u.unitId());
                    release.setString(2, owner);
                    release.executeUpdate();
                }
                c.commit();
                return stored;
            } catch (SQLException | RuntimeException | JsonProcessingException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(at + ": could not record unit " + u.unitId() + " (" + why(e) + ")", e);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void recordSamples(Connection c, UnitResult u) throws SQLException {
        try (PreparedStatement d = c.prepareStatement("DELETE FROM unit_sample WHERE unit_id = ?")) {
            d.setString(1, u.unitId());
            d.executeUpdate();
        }
        if (u.samples().isEmpty()) {
            return;
        }
        try (PreparedStatement q = c.prepareStatement("INSERT INTO unit_sample (unit_id, metric, samples) VALUES (?, ?, ?)")) {
            for (Map.Entry<String, double[]> e : new TreeMap<>(u.samples()).entrySet()) {
                q.setString(1, u.unitId());
                q.setString(2, e.getKey());
                q.setBytes(3, ResultStore.float32(e.getValue()));
                q.addBatch();
            }
            q.executeBatch();
        }
    }

    @Override
    public void checkLoadedWeights(ScanCheckpoint checkpoint, String digest) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                putMeta(c, WEIGHTS + checkpoint.name(), digest); // another worker may have recorded it first: compared below
                String stored = meta(c).get(WEIGHTS + checkpoint.name());
                if (!stored.equals(digest)) {
                    throw new StoreException(checkpoint.dir() + " on " + WorkerName.host() + ": the weights of checkpoint '" + checkpoint.name()
                            + "' are not the ones scanned into " + at + " (loaded parameters sha256 " + digest.substring(0, 16)
                            + ", stored units were measured on " + stored.substring(0, 16) + "); give this worker the original files");
                }
                try (PreparedStatement q = c.prepareStatement("INSERT INTO checkpoint_load (checkpoint, owner, host) VALUES (?, ?, ?)")) {
                    q.setString(1, checkpoint.name());
                    q.setString(2, owner);
                    q.setString(3, WorkerName.host());
                    q.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure(at, e);
        }
    }

    @Override
    public void noteShard(int index, int count) {
        try (Connection c = pool.getConnection()) {
            putMeta(c, ResultStore.SHARD + index + "/" + count, "1");
        } catch (SQLException e) {
            throw failure(at, e);
        }
    }

    /** Workers on a shared store wait at the end for units others hold: a worker that dies leaves its unit to them. */
    @Override
    public boolean awaitsOthers() {
        return true;
    }

    @Override
    public UnitClaims claims() {
        return claims;
    }

    @Override
    public void claimLease(Duration lease) {
        this.lease = lease;
    }

    public Duration lease() {
        return lease;
    }

    @Override
    public synchronized void renewWhileRunning(String unitId) {
        stopRenewing();
        renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "overtune-claim-renewal");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, lease.toMillis() / 3);
        renewer.scheduleAtFixedRate(() -> {
            try {
                claims.renew(unitId);
            } catch (RuntimeException ignored) {
                // a slow database delays one renewal; the lease leaves room for two more
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stopRenewing() {
        if (renewer != null) {
            renewer.shutdownNow();
            renewer = null;
        }
    }

    /** This worker's claims back to the queue (a clean exit, or SIGTERM from scancel or Kubernetes). */
    private void releaseAll() {
        try (Connection c = pool.getConnection(); PreparedStatement q = c.prepareStatement("UPDATE work SET owner = NULL, expires = NULL WHERE owner = ?")) {
            q.setString(1, owner);
            q.executeUpdate();
        } catch (SQLException | RuntimeException ignored) {
            // the leases run out instead
        }
    }

    @Override
    public void close() {
        stopRenewing();
        if (opened != null) {
            releaseAll();
            try {
                Runtime.getRuntime().removeShutdownHook(releaseOnExit);
            } catch (IllegalStateException exiting) {
                // the hook is running or has run
            }
        }
        pool.close();
    }

    /** Claims on the {@code work} table's rows, by row lock and lease. */
    private final class PgClaims implements UnitClaims {
        @Override
        public String owner() {
            return owner;
        }

        @Override
        public Optional<Unit> claimNext(List<Unit> candidates, Set<String> retry) {
            return claimNext(candidates, retry, null);
        }

        @Override
        public Optional<Unit> claimNext(List<Unit> candidates, Set<String> retry, ScanCheckpoint loaded) {
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            Map<String, Unit> byId = new HashMap<>();
            String[] ids = new String[candidates.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = candidates.get(i).id();
                byId.put(ids[i], candidates.get(i));
            }
            // Free (never claimed, released, or lease run out), not stored unless a failed unit to retry stored before this scan
            // began; this worker's checkpoint first, then the checkpoints fewest other workers hold, then units another worker
            // was cut off from (so the plan's tail does not wait on them), then plan order.
            String sql = """
                    SELECT w.unit_id FROM work w
                      JOIN unnest(?::text[]) WITH ORDINALITY AS c(id, ord) ON c.id = w.unit_id
                      LEFT JOIN unit u ON u.id = w.unit_id
                     WHERE (w.owner IS NULL OR w.expires < now())
                       AND (u.id IS NULL OR (u.status = 'failed' AND u.id = ANY(?::text[]) AND u.finished < ?))
                     ORDER BY (w.checkpoint = ?) DESC,
                              (SELECT count(*) FROM work o WHERE o.checkpoint = w.checkpoint AND o.owner IS NOT NULL
                                  AND o.owner <> ? AND o.expires > now()),
                              (w.claims > 0) DESC,
                              c.ord
                     LIMIT 1
                     FOR UPDATE OF w SKIP LOCKED""";
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try {
                    String taken = null;
                    try (PreparedStatement q = c.prepareStatement(sql)) {
                        Array idArray = c.createArrayOf("text", ids);
                        q.setArray(1, idArray);
                        q.setArray(2, c.createArrayOf("text", retry.toArray(new String[0])));
                        q.setTimestamp(3, opened);
                        q.setString(4, loaded == null ? "" : loaded.name());
                        q.setString(5, owner);
                        try (ResultSet r = q.executeQuery()) {
                            if (r.next()) {
                                taken = r.getString(1);
                            }
                        }
                    }
                    if (taken != null) {
                        try (PreparedStatement q = c.prepareStatement("UPDATE work SET owner = ?, expires = now() + ? * interval '1 millisecond', "
                                + "claimed = now(), claims = claims + 1 WHERE unit_id = ?")) {
                            q.setString(1, owner);
                            q.setLong(2, lease.toMillis());
                            q.setString(3, taken);
                            q.executeUpdate();
                        }
                    }
                    c.commit();
                    return Optional.ofNullable(taken).map(byId::get);
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                throw failure(at, e);
            }
        }

        @Override
        public boolean renew(String unitId) {
            try (Connection c = pool.getConnection();
                 PreparedStatement q = c.prepareStatement("UPDATE work SET expires = now() + ? * interval '1 millisecond' WHERE unit_id = ? AND owner = ?")) {
                q.setLong(1, lease.toMillis());
                q.setString(2, unitId);
                q.setString(3, owner);
                return q.executeUpdate() == 1;
            } catch (SQLException e) {
                throw failure(at, e);
            }
        }

        @Override
        public void release(String unitId) {
            try (Connection c = pool.getConnection();
                 PreparedStatement q = c.prepareStatement("UPDATE work SET owner = NULL, expires = NULL WHERE unit_id = ? AND owner = ?")) {
                q.setString(1, unitId);
                q.setString(2, owner);
                q.executeUpdate();
            } catch (SQLException e) {
                throw failure(at, e);
            }
        }

        @Override
        public int heldByOthers(List<Unit> candidates) {
            String[] ids = candidates.stream().map(Unit::id).toArray(String[]::new);
            try (Connection c = pool.getConnection(); PreparedStatement q = c.prepareStatement("""
                    SELECT count(*) FROM work w WHERE w.unit_id = ANY(?::text[]) AND w.owner IS NOT NULL AND w.owner <> ?
                       AND w.expires > now() AND NOT EXISTS (SELECT 1 FROM unit u WHERE u.id = w.unit_id AND u.status = 'done')""")) {
                q.setArray(1, c.createArrayOf("text", ids));
                q.setString(2, owner);
                try (ResultSet r = q.executeQuery()) {
                    r.next();
                    return r.getInt(1);
                }
            } catch (SQLException e) {
                throw failure(at, e);
            }
        }
    }
}
