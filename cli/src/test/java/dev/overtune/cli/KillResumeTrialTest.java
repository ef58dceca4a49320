package dev.overtune.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kill-and-resume trial as a test: a scan in its own process is SIGKILLed at random points
 * ({@code -Dovertune.kill.trials=N} kills, 3 by default; {@code -Dovertune.kill.seed=S} picks the points), resumed
 * each time, and the store it ends with is compared with an uninterrupted run's by {@code compare-stores} at zero
 * tolerance: no unit lost, none stored twice, none changed.
 */
class KillResumeTrialTest {
    private static final int KILLS = Integer.getInteger("overtune.kill.trials", 3);
    /** Noise samples per γ: more kills need a longer plan (3 checkpoints × (7 + 2 × samples) units: 33 by default, 57 for 20 kills). */
    private static final int SAMPLES = 2 + KILLS / 5;

    @Test
    void randomKillsLoseDuplicateAndChangeNothing(@TempDir Path dir) throws Exception {
        Path text = MainTest.sampleText(dir);
        Path series = dir.resolve("series");
        for (int steps : new int[] {2, 4, 6}) {
            MainTest.Run r = MainTest.run("finetune", "tiny", "--text", text.toString(), "--steps", String.valueOf(steps), "--batch", "2",
                    "--seq-len", "32", "--save", series.resolve("step" + steps).toString(), "--format", "json");
            assertEquals(ExitCodes.OK, r.code(), r.err());
        }
        Path straight = dir.resolve("straight.db");
        MainTest.Run whole = MainTest.run(scan(series, text, straight));
        assertEquals(ExitCodes.OK, whole.code(), whole.err());
        int total = count(straight, "SELECT count(*) FROM unit");

        Path killed = dir.resolve("killed.db");
        Random random = new Random(Long.getLong("overtune.kill.seed", System.nanoTime()));
        int delivered = 0;
        List<Integer> storedAtKill = new ArrayList<>();
        for (int attempt = 0; delivered < KILLS && attempt < 4 * KILLS; attempt++) {
            int before = count(killed, "SELECT count(*) FROM unit");
            if (before >= total) {
                break;
            }
            Process child = start(dir, series, text, killed);
            // A random point: after 0 to 2 more units are stored, then 0 to 250 ms into whatever runs next.
            int target = Math.min(total, before + random.nextInt(3));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (child.isAlive() && count(killed, "SELECT count(*) FROM unit") < target && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(random.nextInt(250));
            if (child.isAlive()) {
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no clean close
                delivered++;
                storedAtKill.add(count(killed, "SELECT count(*) FROM unit"));
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        MainTest.Run resumed = MainTest.run(scan(series, text, killed));
        assertEquals(ExitCodes.OK, resumed.code(), resumed.err());

        Set<String> planned = ids(straight);
        Set<String> after = ids(killed);
        int lost = (int) planned.stream().filter(id -> !after.contains(id)).count();
        int duplicated = count(killed, "SELECT count(*) FROM unit") - count(killed, "SELECT count(DISTINCT id) FROM unit");
        MainTest.Run compared = MainTest.run("compare-stores", straight.toString(), killed.toString(), "--rtol", "0", "--atol", "0",
                "--differences-only");
        int changed = compared.code() == ExitCodes.OK ? 0 : (int) compared.out().lines().filter(l -> l.startsWith("  ")).count();
        System.out.printf("kill-and-resume trial: %d kills delivered (units stored at each kill: %s), %d units compared at zero tolerance, "
                + "lost %d, duplicated %d, changed %d%n", delivered, storedAtKill, total, lost, duplicated, changed);
        assertTrue(delivered >= Math.min(KILLS, 1), "no kill landed mid-scan");
        assertEquals(0, lost, "units lost");
        assertEquals(0, duplicated, "units stored twice");
        assertEquals(ExitCodes.OK, compared.code(), compared.out() + compared.err());
        assertTrue(compared.out().contains("all " + total + " units agree within --atol 0.0 --rtol 0.0"), compared.out());
        assertEquals(List.of(), sideFiles(killed), "a clean close leaves no side files");
    }

    private static String[] scan(Path series, Path text, Path store) {
        return new String[] {"scan", series.toString(), "--tokens-per-step", "64", "--task", text.toString(), "--ood", text.toString(),
                "--store", store.toString(), "--ft-steps", "4", "--ft-batch", "2", "--ft-seq-len", "32", "--lrs", "3e-3,1e-2",
                "--seeds", "0,1", "--gammas", "0.5,1", "--samples", String.valueOf(SAMPLES), "--quant", "int8,int4", "--eval-batch", "2",
                "--eval-seq-len", "32", "--eval-batches", "1", "--threads", "2", "--format", "json"};
    }

    private static Process start(Path dir, Path series, Path text, Path store) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(scan(series, text, store)));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("child.log").toFile()))
                .start();
    }

    private static int count(Path store, String sql) throws Exception {
        if (!Files.exists(store)) {
            return 0;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            try (ResultSet r = s.executeQuery(sql)) {
                return r.next() ? r.getInt(1) : 0;
            }
        } catch (java.sql.SQLException e) {
            return 0; // the table does not exist yet
        }
    }

    private static Set<String> ids(Path store) throws Exception {
        Set<String> out = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT id FROM unit")) {
            while (r.next()) {
                out.add(r.getString(1));
            }
        }
        return out;
    }

    private static List<String> sideFiles(Path store) throws Exception {
        try (var files = Files.list(store.getParent())) {
            String name = store.getFileName().toString();
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(name) && !n.equals(name)).toList();
        }
    }
}
