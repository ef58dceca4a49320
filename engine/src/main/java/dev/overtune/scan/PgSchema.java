package dev.overtune.scan;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The PostgreSQL store's tables, as numbered migrations recorded in {@code schema_migration}: a store is brought up to
 * {@link #LATEST} when a scan opens it, and one made by a newer overtune (a version above it) is refused untouched.
 */
final class PgSchema {
    record Migration(int version, String description, List<String> statements) {}

    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "meta, units and their samples, the work queue with leases, checkpoint loads, late results", List.of(
                    "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)",
                    """
                    CREATE TABLE unit (
                      seq bigserial UNIQUE,
                      id text PRIMARY KEY,
                      checkpoint text NOT NULL,
                      tokens bigint NOT NULL,
                      probe text NOT NULL,
                      setting text NOT NULL,
                      seed bigint NOT NULL,
                      status text NOT NULL CHECK (status IN ('done', 'failed')),
                      metrics text NOT NULL,
                      curve text NOT NULL,
                      reason text,
                      backend text,
                      engine_version text,
                      git_hash text,
                      seconds double precision,
                      finished timestamptz NOT NULL DEFAULT now(),
                      worker text)""",
                    "CREATE TABLE unit_sample (unit_id text NOT NULL REFERENCES unit (id) ON DELETE CASCADE, metric text NOT NULL, "
                            + "samples bytea NOT NULL, PRIMARY KEY (unit_id, metric))",
                    // One row per unit of the plan: the queue workers lock with FOR UPDATE SKIP LOCKED. owner/expires is the lease.
                    "CREATE TABLE work (unit_id text PRIMARY KEY, checkpoint text NOT NULL, position int NOT NULL, owner text, "
                            + "expires timestamptz, claimed timestamptz, claims int NOT NULL DEFAULT 0)",
                    "CREATE INDEX work_checkpoint ON work (checkpoint, position)",
                    "CREATE TABLE checkpoint_load (checkpoint text NOT NULL, owner text NOT NULL, host text NOT NULL, at timestamptz NOT NULL DEFAULT now())",
                    // A result that arrived for a unit already stored (its worker's lease had expired): kept out of unit, counted here.
                    "CREATE TABLE late_result (unit_id text NOT NULL, owner text NOT NULL, at timestamptz NOT NULL DEFAULT now())")));

    static final int LATEST = MIGRATIONS.getLast().version();

    private PgSchema() {}

    /** The store's schema version, 0 for a schema without overtune's tables. */
    static int version(Connection c, String schema) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = 'schema_migration'")) {
            q.setString(1, schema);
            try (ResultSet r = q.executeQuery()) {
                if (!r.next()) {
                    return 0;
                }
            }
        }
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT coalesce(max(version), 0) FROM " + quote(schema) + ".schema_migration")) {
            r.next();
            return r.getInt(1);
        }
    }

    /**
     * Inside the caller's transaction, which holds the schema's advisory lock: creates the schema and applies the
     * migrations it lacks. Refuses a newer schema before writing anything.
     */
    static void migrate(Connection c, PgLocation at) throws SQLException {
        int current = version(c, at.schema());
        refuseNewer(current, at);
        if (current == LATEST) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + quote(at.schema()));
            s.execute("SET LOCAL search_path TO " + quote(at.schema()));
            s.execute("CREATE TABLE IF NOT EXISTS schema_migration (version int PRIMARY KEY, description text NOT NULL, "
                    + "applied timestamptz NOT NULL DEFAULT now())");
            for (Migration m : MIGRATIONS) {
                if (m.version() <= current) {
                    continue;
                }
                for (String sql : m.statements()) {
                    s.execute(sql);
                }
                try (PreparedStatement q = c.prepareStatement("INSERT INTO schema_migration (version, description) VALUES (?, ?)")) {
                    q.setInt(1, m.version());
                    q.setString(2, m.description());
                    q.executeUpdate();
                }
            }
        }
    }

    static void refuseNewer(int version, PgLocation at) {
        if (version > LATEST) {
            throw new StoreException(at + ": the store's schema is version " + version + ", newer than this overtune's (" + LATEST
                    + "); run the overtune that made it (or a newer one), or scan into another database or ?schema=; nothing was written");
        }
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
