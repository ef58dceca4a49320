package dev.overtune.scan;

import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A store's file on disk before anything is written to it: how to open it (read-only where that is all that
 * is needed, immutable where a read-only place leaves no other way), what it is (overtune's, overtune's from
 * before it had an application id, empty, or another program's), and what a SQLite failure on it means
 * (permissions, a lock, or damage).
 */
final class StoreFile {
    /** How long SQLite waits for another connection's lock before it answers BUSY. */
    static final int BUSY_TIMEOUT_MS = 10_000;

    /** SQLite's application_id of an overtune result store: "OVTU". */
    static final int APPLICATION_ID = 0x4F565455;
    /** user_version: 2 since stores carry an application id and claims. */
    static final int SCHEMA_VERSION = 2;
    /** The schema of stores made before application ids: recognised by their meta table. */
    static final int LEGACY_SCHEMA_VERSION = 1;

    enum Kind { NEW, OURS, LEGACY }

    private StoreFile() {}

    /** Opens for reading only; never creates or changes a file, so it works on read-only media. */
    static Connection readOnly(Path file) throws SQLException {
        if (walModeWithoutWal(file)) {
            // A read-only connection to a WAL-mode file would create -shm and -wal beside it and leave them (with the
            // file's mode); with no -wal there is nothing uncommitted to read, so immutable reads all it holds.
            return connect(file, true, true);
        }
        Connection db = connect(file, true, false);
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
            r.next(); // SQLite opens the file at the first statement
            return db;
        } catch (SQLException e) {
            db.close();
            // A WAL-mode store in a place where SQLite cannot create its -shm: with no -wal beside it there is
            // nothing uncommitted to read, so opening it as immutable reads exactly what it holds.
            if (isAccessProblem(e) && !Files.exists(sideFile(file, "-wal"))) {
                return connect(file, true, true);
            }
            throw e;
        }
    }

    /** Opens for reading and, when asked to, writing; SQLite falls back to reading where the file cannot be written. */
    static Connection readWrite(Path file) throws SQLException {
        return connect(file, false, false);
    }

    private static Connection connect(Path file, boolean readOnly, boolean immutable) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        if (readOnly) {
            config.setReadOnly(true);
        } else {
            // Claims read then write: taking the write lock up front avoids two scans deadlocking on an upgrade.
            config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        }
        String url = immutable ? "jdbc:sqlite:" + file.toAbsolutePath().toUri() + "?immutable=1" : "jdbc:sqlite:" + file.toAbsolutePath();
        if (immutable) {
            config.setOpenMode(org.sqlite.SQLiteOpenMode.OPEN_URI);
        }
        return config.createConnection(url);
    }

    /** The header says WAL (bytes 18 and 19 are 2) and no -wal file lies beside it. */
    private static boolean walModeWithoutWal(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(20);
            return head.length == 20 && head[18] == 2 && head[19] == 2 && !Files.exists(sideFile(file, "-wal"));
        } catch (IOException e) {
            return false; // opening will say what is wrong
        }
    }

    static Path sideFile(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    /**
     * What the file is, read on a connection that writes nothing. Refuses (untouched) anything that is not an
     * overtune store, a store of a newer schema, and a damaged file.
     */
    static Kind identify(Path file, Connection db) throws SQLException {
        // One read transaction, so the header fields and the tables come from one snapshot: read one by one, they could
        // straddle another scan's creation of the store (an application id of 0 beside its finished tables).
        db.setAutoCommit(false);
        try {
            return identifyInSnapshot(file, db);
        } finally {
            db.rollback();
            db.setAutoCommit(true);
        }
    }

    private static Kind identifyInSnapshot(Path file, Connection db) throws SQLException {
        try (Statement s = db.createStatement()) {
            checkIntegrity(file, s);
            int appId = intPragma(s, "application_id");
            int version = intPragma(s, "user_version");
            List<String> tables = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
                while (r.next()) {
                    tables.add(r.getString(1));
                }
            }
            if (appId == APPLICATION_ID) {
                if (version > SCHEMA_VERSION) {
                    throw new StoreException(file + ": an overtune result store of a newer schema (" + version + ", this overtune reads up to "
                            + SCHEMA_VERSION + "); it was left untouched: use the overtune that wrote it, or pass another --store");
                }
                return Kind.OURS;
            }
            if (appId == 0 && version == 0 && tables.isEmpty()) {
                return Kind.NEW; // an empty SQLite file (e.g. a scan killed while creating it) holds nothing to protect
            }
            if (appId == 0 && tables.contains("meta") && tables.contains("unit") && legacyMeta(s)) {
                return Kind.LEGACY;
            }
            throw new StoreException(file + ": a SQLite database of another program (application_id " + String.format("0x%08X", appId)
                    + ", user_version " + version + ", tables " + (tables.isEmpty() ? "none" : String.join(", ", tables))
                    + "), not an overtune result store; it was left untouched: pass another --store");
        }
    }

    private static boolean legacyMeta(Statement s) {
        try (ResultSet r = s.executeQuery("SELECT key, value FROM meta WHERE key IN ('plan_hash', 'schema_version')")) {
            boolean plan = false;
            boolean version = false;
            while (r.next()) {
                plan |= r.getString(1).equals("plan_hash");
                version |= r.getString(1).equals("schema_version") && Integer.toString(LEGACY_SCHEMA_VERSION).equals(r.getString(2));
            }
            return plan && version;
        } catch (SQLException e) {
            return false; // a meta table of another shape
        }
    }

    private static int intPragma(Statement s, String name) throws SQLException {
        try (ResultSet r = s.executeQuery("PRAGMA " + name)) {
            return r.next() ? r.getInt(1) : 0;
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

    static boolean looksLikeSqlite(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(16);
            return new String(head, StandardCharsets.ISO_8859_1).equals("SQLite format 3\0");
        }
    }

    /** SQLite could not open or write the file for want of access (not for damage). */
    static boolean isAccessProblem(SQLException e) {
        int primary = e.getErrorCode() & 0xff;
        return primary == 3 /* PERM */ || primary == 8 /* READONLY */ || primary == 14 /* CANTOPEN */ || primary == 23 /* AUTH */;
    }

    static boolean isLocked(SQLException e) {
        int primary = e.getErrorCode() & 0xff;
        return primary == 5 /* BUSY */ || primary == 6 /* LOCKED */;
    }

    /** A one-line error that names what is actually wrong: access, a lock held by another process, or damage. */
    static StoreException failure(Path file, SQLException e) {
        String sqlite = e.getMessage() == null ? "no message" : e.getMessage().replace('\n', ' ');
        if (isAccessProblem(e)) {
            return new StoreException(file + ": " + accessCause(file) + " (SQLite: " + sqlite + "); the store itself was left as it was", e);
        }
        if (isLocked(e)) {
            return new StoreException(file + ": locked by another process for too long (SQLite: " + sqlite
                    + "); wait for it to finish or pass another --store", e);
        }
        return new StoreException(file + ": unreadable result store (" + sqlite + "); it was left untouched, move it away or pass another --store", e);
    }

    /** Why this process cannot read or write the store, as far as the file system says. */
    static String accessCause(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (Files.exists(file) && !Files.isReadable(file)) {
            return "permission denied: this user cannot read the file; ask for read access or copy it somewhere readable";
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            return "the file is read-only here; make it writable (chmod u+w) or pass another --store";
        }
        if (dir != null && !Files.isWritable(dir)) {
            return "its directory " + dir + " is not writable (SQLite keeps its journal beside the store); make it writable or pass another --store";
        }
        return "cannot be opened or written here (permissions, a read-only mount or an immutable file); check the file and its directory "
                + "or pass another --store";
    }
}
