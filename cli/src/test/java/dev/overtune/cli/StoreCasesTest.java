package dev.overtune.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's edges through the command line, each with its exit code and message
 * ({@code -Dovertune.print.cases=true} prints them as the README's table rows).
 */
class StoreCasesTest {
    @TempDir
    static Path dir;
    static Path series;
    static Path text;

    @BeforeAll
    static void makeSeries() throws Exception {
        text = MainTest.sampleText(dir);
        series = dir.resolve("series");
        StringBuilder manifest = new StringBuilder("{\"format\": \"overtune-series/1\", \"name\": \"t\", \"checkpoints\": [");
        for (int steps : new int[] {2, 4}) {
            Path ckpt = series.resolve("step" + steps);
            MainTest.Run r = MainTest.run("finetune", "tiny", "--text", text.toString(), "--steps", String.valueOf(steps), "--batch", "2",
                    "--seq-len", "32", "--save", ckpt.toString(), "--format", "json");
            assertEquals(ExitCodes.OK, r.code(), r.err());
            manifest.append(steps == 2 ? "" : ", ").append("{\"name\": \"step").append(steps).append("\", \"path\": \"step").append(steps)
                    .append("\", \"tokens\": ").append(steps * 64).append(", \"sha256\": {\"model.safetensors\": \"")
                    .append(sha256(ckpt.resolve("model.safetensors"))).append("\"}}");
        }
        Files.writeString(series.resolve("series.json"), manifest.append("]}").toString());
    }

    static String[] scan(Path store, String... extra) {
        List<String> a = new ArrayList<>(List.of("scan", series.toString(), "--task", text.toString(), "--ood", text.toString(),
                "--store", store.toString(), "--ft-steps", "2", "--ft-batch", "2", "--ft-seq-len", "32", "--lrs", "3e-3", "--seeds", "0",
                "--gammas", "1", "--samples", "1", "--quant", "int8", "--eval-batch", "2", "--eval-seq-len", "32", "--eval-batches", "1"));
        for (int i = 0; i < extra.length; i++) {
            int at = a.indexOf(extra[i]);
            boolean valued = i + 1 < extra.length && !extra[i + 1].startsWith("--");
            if (at >= 0 && valued) {
                a.set(at + 1, extra[++i]); // a flag given again replaces the default above
            } else {
                a.add(extra[i]);
                if (valued) {
                    a.add(extra[++i]);
                }
            }
        }
        return a.toArray(String[]::new);
    }

    static void show(String name, MainTest.Run r) {
        if (Boolean.getBoolean("overtune.print.cases")) {
            String err = r.err().lines().filter(l -> l.startsWith("overtune: ") || l.startsWith("scan: ")).reduce((a, b) -> b).orElse("");
            System.out.printf("CASE | %s | %d | `%s` |%n", name, r.code(), err.replace(dir.toString(), "…").replace("|", "\\|"));
        }
    }

    @Test
    void aWeightFileChangedInPlaceUnderAStaleSeriesJsonIsRefused(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("series");
        copyTree(series, copy);
        Path store = tmp.resolve("scan.db");
        String[] half = scan(store);
        half[1] = copy.toString();
        assertEquals(ExitCodes.OK, MainTest.run(half).code());
        TinyCheckpoint.write(copy.resolve("step2"), 99); // new weights, series.json left as it was
        String[] rest = scan(store, "--gammas", "1,2"); // the grid grew: step2 has units left to run on the edited files
        rest[1] = copy.toString();
        MainTest.Run r = MainTest.run(rest);
        show("weights edited in place, series.json stale, half-finished scan rerun", r);
        MainTest.assertOneLineError(r, ExitCodes.BAD_INPUT, "step2", "not the ones scanned into", "restore the original files");
    }

    @Test
    void aFiniteBlowUpIsListedAsDivergedInTheReport(@TempDir Path tmp) {
        Path store = tmp.resolve("scan.db");
        MainTest.Run r = MainTest.run(scan(store, "--lrs", "1000", "--ft-steps", "10"));
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("diverged: "), r.out());
        MainTest.Run report = MainTest.run("report", store.toString(), "--out", tmp.resolve("report").toString());
        assertEquals(ExitCodes.OK, report.code(), report.err());
        assertTrue(report.out().contains("diverged: "), report.out());
        if (Boolean.getBoolean("overtune.print.cases")) {
            System.out.printf("CASE | scan --lrs 1000 --ft-steps 10 | 0 | `%s` |%n",
                    r.out().lines().filter(l -> l.contains("diverged")).findFirst().orElse("").replace(dir.toString(), "…"));
        }
    }

    @Test
    void failedUnitsAreCountedWheneverAScanStartsAndRetriedWithRetryFailed(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("series");
        copyTree(series, copy);
        Path weights = copy.resolve("step4/model.safetensors");
        byte[] good = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(good, good.length / 2));
        Files.writeString(copy.resolve("series.json"), Files.readString(copy.resolve("series.json")).replaceAll(", \"sha256\": \\{[^}]*}", ""));
        Path store = tmp.resolve("scan.db");
        String[] args = scan(store);
        args[1] = copy.toString();
        MainTest.Run first = MainTest.run(args);
        assertEquals(ExitCodes.OK, first.code(), first.err());
        assertTrue(first.out().contains("(4 failed)"), first.out());
        Files.write(weights, good);
        MainTest.Run again = MainTest.run(args);
        show("rerun with failed units stored", again);
        assertTrue(again.err().contains("4 units of this plan are failed in the store; rerun with --retry-failed"), again.err());
        assertTrue(again.out().contains("ran 0 units now") && again.out().contains("0 to run (4 failed in the store)"), again.out());
        String[] retry = java.util.Arrays.copyOf(args, args.length + 1);
        retry[args.length] = "--retry-failed";
        MainTest.Run retried = MainTest.run(retry);
        show("scan --retry-failed", retried);
        assertTrue(retried.err().contains("retrying 4 failed units") && retried.out().contains("4 to run (4 failed in the store)"), retried.err());
        assertTrue(retried.out().contains("ran 4 units now; the store holds 8 of 8 (0 failed)"), retried.out());
    }

    @Test
    void readersWorkOnAReadOnlyStoreAndAWriterSaysWhatIsWrong(@TempDir Path tmp) throws Exception {
        Path place = Files.createDirectory(tmp.resolve("ro"));
        Path store = place.resolve("scan.db");
        assertEquals(ExitCodes.OK, MainTest.run(scan(store)).code());
        Path other = tmp.resolve("other.db");
        assertEquals(ExitCodes.OK, MainTest.run(scan(other)).code());
        byte[] before = Files.readAllBytes(store);
        try (ReadOnly ignored = ReadOnly.lock(place)) {
            MainTest.Run report = MainTest.run("report", store.toString(), "--out", tmp.resolve("report").toString());
            show("report on a store in an unwritable directory", report);
            assertEquals(ExitCodes.OK, report.code(), report.err());
            MainTest.Run compare = MainTest.run("compare-stores", store.toString(), other.toString(), "--rtol", "0", "--atol", "0");
            show("compare-stores on a store in an unwritable directory", compare);
            assertEquals(ExitCodes.OK, compare.code(), compare.err());
            MainTest.Run noop = MainTest.run(scan(store));
            show("scan resumed on a complete read-only store (no-op)", noop);
            assertEquals(ExitCodes.OK, noop.code(), noop.err());
            MainTest.Run grow = MainTest.run(scan(store, "--seeds", "0,1"));
            show("scan that must write to a read-only store", grow);
            MainTest.assertOneLineError(grow, ExitCodes.BAD_INPUT, "scan.db", "has to write");
            assertFalse(grow.err().contains("unreadable"), grow.err());
        }
        assertArrayEquals(before, Files.readAllBytes(store));
        try (var files = Files.list(place)) {
            assertEquals(List.of("scan.db"), files.map(p -> p.getFileName().toString()).toList(), "no side files");
        }
    }

    @Test
    void anotherProgramsDatabaseIsRefusedUntouched(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE unit (id INTEGER PRIMARY KEY, name TEXT)");
            s.execute("INSERT INTO unit VALUES (1, 'kg')");
        }
        byte[] before = Files.readAllBytes(file);
        MainTest.Run r = MainTest.run(scan(file));
        show("--store pointing at another program's SQLite database (with its own unit table)", r);
        MainTest.assertOneLineError(r, ExitCodes.BAD_INPUT, "app.db", "another program", "tables unit", "untouched");
        MainTest.Run report = MainTest.run("report", file.toString(), "--out", tmp.resolve("r").toString());
        show("report on another program's SQLite database", report);
        MainTest.assertOneLineError(report, ExitCodes.BAD_INPUT, "app.db", "another program");
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of("app.db"), Files.list(tmp).map(p -> p.getFileName().toString()).filter(n -> n.startsWith("app.db")).toList());
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** An unwritable directory, as on read-only media: chmod for a user, chattr +i for root (skips where neither works). */
    static final class ReadOnly implements AutoCloseable {
        private final List<Path> locked = new ArrayList<>();
        private final boolean root = "root".equals(System.getProperty("user.name"));

        static ReadOnly lock(Path dir) throws Exception {
            ReadOnly r = new ReadOnly();
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    r.one(f, true);
                }
            }
            r.one(dir, true);
            try {
                Files.delete(Files.createFile(dir.resolve("probe")));
                r.close();
                org.junit.jupiter.api.Assumptions.abort("cannot make " + dir + " unwritable here");
            } catch (java.io.IOException expected) {
                // unwritable
            }
            return r;
        }

        private void one(Path f, boolean lock) throws Exception {
            String[] cmd = root ? new String[] {"chattr", lock ? "+i" : "-i", f.toString()} : new String[] {"chmod", lock ? "a-w" : "u+w", f.toString()};
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                org.junit.jupiter.api.Assumptions.abort(String.join(" ", cmd) + ": " + out.strip());
            }
            if (lock) {
                locked.add(f);
            }
        }

        @Override
        public void close() throws Exception {
            for (int i = locked.size() - 1; i >= 0; i--) {
                one(locked.get(i), false);
            }
            locked.clear();
        }
    }
}
