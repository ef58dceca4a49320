package dev.overtune.scan;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL for the service tests: the one on 127.0.0.1:5432 with role and password overtune, started by
 * {@code deploy/dev/postgres-up.sh} when it is not running. Without Debian's postgresql package the tests skip and say
 * so; on CI (CI=true, where .ci/run installs it) they fail instead. Each test gets a schema of its own.
 */
final class PgService {
    static final String HOST_PORT = "127.0.0.1:5432";
    private static volatile boolean up;

    private PgService() {}

    /** A URL of a new, empty schema of this test JVM (dropped first if a previous run left it). */
    static String freshStore(String name) {
        ensureUp();
        String schema = schema(name);
        sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        return "postgresql://overtune:overtune@" + HOST_PORT + "/overtune?schema=" + schema;
    }

    /** The schema of {@link #freshStore(String)}: named by this JVM's pid too, so test runs sharing the server never meet. */
    static String schema(String name) {
        return "t_" + name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_") + "_" + ProcessHandle.current().pid();
    }

    static String schemaOf(String url) {
        return url.substring(url.indexOf("?schema=") + 8);
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + HOST_PORT + "/overtune", "overtune", "overtune");
    }

    static void sql(String statement) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement + ": " + e.getMessage(), e);
        }
    }

    static synchronized void ensureUp() {
        if (up || reachable()) {
            up = true;
            return;
        }
        boolean ci = "true".equals(System.getenv("CI"));
        boolean installed = Files.exists(Path.of("/usr/bin/pg_ctlcluster"));
        if (!installed && !ci) {
            Assumptions.abort("PostgreSQL is not installed here (Debian: apt-get install postgresql; .ci/run installs it); "
                    + "the PostgreSQL store's service tests are skipped");
        }
        Path script = repoRoot().resolve("deploy/dev/postgres-up.sh");
        try {
            Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(script + " failed: " + out);
            }
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(script + ": " + e, e);
        }
        if (!reachable()) {
            throw new IllegalStateException("PostgreSQL started by " + script + " is not reachable at " + HOST_PORT + " as overtune/overtune");
        }
        up = true;
    }

    private static boolean reachable() {
        try (Connection c = connect()) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy/dev"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no deploy/dev above " + Path.of("").toAbsolutePath());
        }
        return p;
    }
}
