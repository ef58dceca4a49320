package dev.overtune.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** overtune scan, report and compare-stores with --store postgresql://…, and its bad addresses, on a real server. */
class PgCliTest {
    @TempDir
    static Path dir;
    static Path series;
    static Path text;

    /** step2 is shard 0/2, step6 shard 1/2. */
    @BeforeAll
    static void series() throws Exception {
        text = MainTest.sampleText(dir);
        series = dir.resolve("series");
        for (int steps : new int[] {2, 6}) {
            MainTest.Run r = MainTest.run("finetune", "tiny", "--text", text.toString(), "--steps", String.valueOf(steps),
                    "--batch", "2", "--seq-len", "32", "--save", series.resolve("step" + steps).toString(), "--format", "json");
            assertEquals(ExitCodes.OK, r.code(), r.err());
        }
    }

    private static String[] scan(String store, String... extra) {
        return ShardMergeTest.scanArgs(series, text, store, extra);
    }

    @Test
    void aScanIntoPostgresqlReportsAndComparesEqualToSqlite(@TempDir Path tmp) {
        String url = Services.freshPgStore("cli_equal");
        MainTest.Run pg = MainTest.run(scan(url));
        assertEquals(ExitCodes.OK, pg.code(), pg.err());
        assertTrue(pg.out().contains("\"store\":\"postgresql://overtune@127.0.0.1:5432/overtune?schema=" + Services.schema("cli_equal") + "\""), pg.out());
        assertFalse(pg.out().contains("overtune:overtune") || pg.err().contains("overtune:overtune"), "no password shown");
        Path lite = tmp.resolve("scan.db");
        assertEquals(ExitCodes.OK, MainTest.run(scan(lite.toString())).code());
        MainTest.Run same = MainTest.run("compare-stores", url, lite.toString(), "--atol", "0", "--rtol", "0", "--differences-only");
        assertEquals(ExitCodes.OK, same.code(), same.out() + same.err());
        assertTrue(same.out().contains("all 8 units agree"), same.out());
        MainTest.Run report = MainTest.run("report", url, "--out", tmp.resolve("report").toString());
        assertEquals(ExitCodes.OK, report.code(), report.err());
        assertTrue(report.out().startsWith("postgresql://overtune@127.0.0.1:5432/overtune?schema=" + Services.schema("cli_equal") + ": all 8 units of the plan"), report.out());
        Path merged = tmp.resolve("exported.db");
        MainTest.Run export = MainTest.run("merge-stores", merged.toString(), url);
        assertEquals(ExitCodes.OK, export.code(), export.err());
        assertEquals(ExitCodes.OK, MainTest.run("compare-stores", merged.toString(), lite.toString(), "--atol", "0", "--rtol", "0").code());
    }

    @Test
    void anUnreachableServerAWrongPasswordAndANewerSchemaAreOneLineExit3(@TempDir Path tmp) throws Exception {
        Services.postgres();
        MainTest.Run down = MainTest.run(scan("postgresql://overtune:s3cret@127.0.0.1:1/overtune"));
        MainTest.assertOneLineError(down, ExitCodes.BAD_INPUT, "postgresql://127.0.0.1:1/overtune", "cannot connect", "refused");
        assertFalse(down.err().contains("s3cret"), down.err());
        MainTest.Run wrong = MainTest.run(scan("postgresql://overtune:wrong-s3cret@" + Services.PG + "/overtune?schema=" + Services.schema("never")));
        MainTest.assertOneLineError(wrong, ExitCodes.BAD_INPUT, "127.0.0.1:5432/overtune", "password authentication failed", "PGPASSWORD");
        assertFalse(wrong.err().contains("wrong-s3cret"), wrong.err());
        try (var c = Services.connect(); var s = c.createStatement();
             var r = s.executeQuery("SELECT count(*) FROM information_schema.schemata WHERE schema_name = '" + Services.schema("never") + "'")) {
            r.next();
            assertEquals(0, r.getInt(1), "nothing written");
        }
        assertFalse(Files.exists(series.resolve("scan.db")));

        String url = Services.freshPgStore("cli_newer");
        assertEquals(ExitCodes.OK, MainTest.run(scan(url, "--shard", "0/2")).code());
        Services.sql("INSERT INTO " + Services.schema("cli_newer") + ".schema_migration (version, description) VALUES (7, 'a later overtune')");
        MainTest.assertOneLineError(MainTest.run(scan(url)), ExitCodes.BAD_INPUT, "schema is version 7", "newer than this overtune", "another database");
        MainTest.assertOneLineError(MainTest.run("report", url, "--out", tmp.toString()), ExitCodes.BAD_INPUT, "schema is version 7");
        MainTest.assertOneLineError(MainTest.run(scan(Services.freshPgStore("cli_other").replace(Services.schema("cli_other"), Services.schema("cli_newer")), "--eval-batches", "2")),
                ExitCodes.BAD_INPUT, "schema is version 7");
        String plain = Services.freshPgStore("cli_plan");
        assertEquals(ExitCodes.OK, MainTest.run(scan(plain, "--shard", "1/2")).code());
        MainTest.assertOneLineError(MainTest.run(scan(plain, "--eval-batches", "2")), ExitCodes.BAD_INPUT, "different scan plan", "?schema=");
    }

    /** A node whose copy of the series lacks step6: it runs step2 and leaves step6's units in the queue for a node that has it. */
    @Test
    void aWorkerMissingACheckpointDirectoryReleasesItsUnitsAndNamesPathAndHost(@TempDir Path tmp) throws Exception {
        Path node = tmp.resolve("node-series");
        Files.createDirectories(node.resolve("step2"));
        try (var files = Files.list(series.resolve("step2"))) {
            for (Path f : files.toList()) {
                Files.copy(f, node.resolve("step2").resolve(f.getFileName()));
            }
        }
        Files.writeString(node.resolve("series.json"), "{\"format\": \"overtune-series/1\", \"name\": \"t\", \"checkpoints\": ["
                + "{\"name\": \"step2\", \"path\": \"step2\", \"tokens\": 128}, {\"name\": \"step6\", \"path\": \"step6\", \"tokens\": 384}]}");
        String url = Services.freshPgStore("cli_missing");
        String[] args = ShardMergeTest.scanArgs(node, text, url);
        int at = java.util.Arrays.asList(args).indexOf("--tokens-per-step");
        java.util.List<String> list = new java.util.ArrayList<>(java.util.List.of(args));
        list.subList(at, at + 2).clear();
        MainTest.Run r = MainTest.run(list.toArray(String[]::new));
        assertEquals(ExitCodes.OK, r.code(), r.err());
        String host = java.net.InetAddress.getLocalHost().getHostName();
        assertTrue(r.err().contains("scan: " + node.resolve("step6") + " does not exist on " + host
                + "; its 4 units of checkpoint step6 are left to workers that have it (released, not failed)"), r.err());
        assertTrue(r.out().contains("\"units_stored\":4") && r.out().contains("\"units_failed\":0"), r.out());
        try (var c = Services.connect(); var s = c.createStatement();
             var q = s.executeQuery("SELECT count(*) FROM " + Services.schema("cli_missing") + ".work WHERE checkpoint = 'step6' AND owner IS NULL")) {
            q.next();
            assertEquals(4, q.getInt(1), "step6's units are free for another worker");
        }
    }
}
