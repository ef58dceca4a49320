package dev.overtune.cli;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/**
 * The real services the scale-out tests run against, started by the project's deploy/dev scripts when they are not up:
 * PostgreSQL on 127.0.0.1:5432 (role and password overtune) and a single-node Slurm (partition ci). Without Debian's
 * packages the tests skip and say which to install; on CI (CI=true, where .ci/run installs them) they fail instead.
 */
final class Services {
    static final String PG = "127.0.0.1:5432";
    private static boolean pgUp;
    private static boolean slurmUp;

    private Services() {}

    /** A URL (no password: PGPASSWORD is not set here, so it is given in the URL) of a new, empty schema. */
    static String freshPgStore(String name) {
        postgres();
        String schema = schema(name);
        sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        return "postgresql://overtune:overtune@" + PG + "/overtune?schema=" + schema;
    }

    /** Named by this JVM's pid too, so test runs sharing the server never meet. */
    static String schema(String name) {
        return "c_" + name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_") + "_" + ProcessHandle.current().pid();
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + PG + "/overtune", "overtune", "overtune");
    }

    static void sql(String statement) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement + ": " + e.getMessage(), e);
        }
    }

    static synchronized void postgres() {
        if (pgUp || pgReachable()) {
            pgUp = true;
            return;
        }
        start("postgresql", "/usr/bin/pg_ctlcluster", "postgres-up.sh");
        if (!pgReachable()) {
            throw new IllegalStateException("PostgreSQL started by deploy/dev/postgres-up.sh is not reachable at " + PG);
        }
        pgUp = true;
    }

    static synchronized void slurm() {
        if (slurmUp) {
            return;
        }
        start("slurm-wlm (slurmctld slurmd slurm-client) and munge", "/usr/sbin/slurmctld", "slurm-up.sh");
        slurmUp = true;
    }

    private static void start(String packages, String installed, String script) {
        boolean ci = "true".equals(System.getenv("CI"));
        if (!ci && (!Files.exists(Path.of(installed)) || !"root".equals(System.getProperty("user.name")))) {
            Assumptions.abort(packages + " not installed here, or not root (Debian: apt-get install " + packages.replaceAll(" \\(.*\\)", "")
                    + "; .ci/run installs it): the scale-out service tests are skipped");
        }
        Path path = repoRoot().resolve("deploy/dev/" + script);
        try {
            Process p = new ProcessBuilder("bash", path.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(path + " failed: " + out);
            }
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(path + ": " + e, e);
        }
    }

    private static boolean pgReachable() {
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
