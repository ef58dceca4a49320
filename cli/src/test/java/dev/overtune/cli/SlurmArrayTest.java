package dev.overtune.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/slurm/workers.sbatch as users submit it, on a real single-node Slurm: an array of three workers against one
 * PostgreSQL store, one array task cancelled while it holds a unit; the others take that unit over and finish the plan,
 * and the store equals a one-process SQLite scan at zero tolerance.
 */
class SlurmArrayTest {
    @Test
    void aWorkerArrayFinishesThePlanWithOneTaskCancelledMidUnit(@TempDir Path tmp) throws Exception {
        Services.postgres();
        Services.slurm();
        Path text = MainTest.sampleText(tmp);
        Path series = tmp.resolve("series");
        for (int steps : new int[] {2, 4, 6}) {
            MainTest.Run r = MainTest.run("finetune", "tiny", "--text", text.toString(), "--steps", String.valueOf(steps), "--batch", "2",
                    "--seq-len", "32", "--save", series.resolve("step" + steps).toString(), "--format", "json");
            assertEquals(ExitCodes.OK, r.code(), r.err());
        }
        String[] base = ShardMergeTest.scanArgs(series, text, "STORE", "--samples", "10", "--lease", "4");
        List<String> flags = new ArrayList<>(List.of(base).subList(2, base.length)); // after "scan SERIES"
        int at = flags.indexOf("--store");
        flags.subList(at, at + 2).clear();
        at = flags.indexOf("--task");
        flags.subList(at, at + 2).clear();
        at = flags.indexOf("--threads");
        flags.subList(at, at + 2).clear(); // the script passes the task's CPUs
        at = flags.indexOf("--format");
        flags.subList(at, at + 2).clear();

        String url = Services.freshPgStore("slurm");
        String schema = url.substring(url.indexOf("?schema=") + 8);
        Path wrapper = tmp.resolve("overtune");
        String java = ProcessHandle.current().info().command().orElse("java");
        Files.writeString(wrapper, "#!/bin/sh\necho $$ > " + tmp + "/pid.$SLURM_ARRAY_TASK_ID\nexec " + java
                + " --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx512m -cp '" + System.getProperty("java.class.path")
                + "' dev.overtune.cli.Main \"$@\"\n");
        wrapper.toFile().setExecutable(true);

        ProcessBuilder submit = new ProcessBuilder("sbatch", "--parsable", "--array=0-2", "--chdir", tmp.toString(), "-o", tmp + "/worker_%a.out",
                Services.repoRoot().resolve("deploy/slurm/workers.sbatch").toString()).redirectErrorStream(true);
        Map<String, String> env = submit.environment();
        env.put("OVERTUNE", wrapper.toString());
        env.put("OVERTUNE_STORE", url.replace("overtune:overtune@", "overtune@")); // the password from PGPASSWORD, as on a cluster
        env.put("PGPASSWORD", "overtune");
        env.put("OVERTUNE_SERIES", series.toString());
        env.put("OVERTUNE_TASK", text.toString());
        env.put("OVERTUNE_SCAN_ARGS", String.join(" ", flags));
        String job = run(submit).strip();
        assertTrue(job.matches("\\d+"), "sbatch said: " + job);
        try {
            // Task 0 is cancelled while it holds a unit.
            String[] held = null;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (held == null && System.nanoTime() < deadline) {
                Path pid = tmp.resolve("pid.0");
                if (Files.exists(pid) && !Files.readString(pid).isBlank()) {
                    held = heldBy(schema, Long.parseLong(Files.readString(pid).strip()));
                }
                Thread.sleep(20);
            }
            assertTrue(held != null, "array task 0 never held a unit: " + output(tmp, 0));
            run(new ProcessBuilder("scancel", job + "_0"));
            deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!run(new ProcessBuilder("squeue", "-h", "-j", job)).isBlank()) {
                assertTrue(System.nanoTime() < deadline, "the array did not finish in 5 minutes");
                Thread.sleep(500);
            }
            assertTrue(run(new ProcessBuilder("scontrol", "show", "job", job + "_0")).contains("JobState=CANCELLED"), "task 0 was cancelled");
            try (Connection c = Services.connect(); PreparedStatement q = c.prepareStatement("SELECT worker FROM " + schema + ".unit WHERE id = ?")) {
                q.setString(1, held[0]);
                try (ResultSet r = q.executeQuery()) {
                    assertTrue(r.next(), "the cancelled task's unit was never stored");
                    assertNotEquals(held[1], r.getString(1), "another worker ran the cancelled task's unit");
                }
            }
        } finally {
            new ProcessBuilder("scancel", job).start().waitFor(30, TimeUnit.SECONDS);
        }
        Path lite = tmp.resolve("one-process.db");
        MainTest.Run one = MainTest.run(ShardMergeTest.scanArgs(series, text, lite.toString(), "--samples", "10"));
        assertEquals(ExitCodes.OK, one.code(), one.err());
        MainTest.Run same = MainTest.run("compare-stores", url, lite.toString(), "--atol", "0", "--rtol", "0", "--differences-only");
        assertEquals(ExitCodes.OK, same.code(), same.out() + same.err() + output(tmp, 1));
        assertTrue(same.out().contains("all 39 units agree"), same.out());
    }

    private static String output(Path dir, int task) throws Exception {
        Path f = dir.resolve("worker_" + task + ".out");
        return Files.exists(f) ? Files.readString(f) : "(no output of task " + task + ")";
    }

    private static String[] heldBy(String schema, long pid) throws Exception {
        try (Connection c = Services.connect(); PreparedStatement q = c.prepareStatement("SELECT unit_id, owner FROM " + schema
                + ".work WHERE owner LIKE ? AND expires > now()")) {
            q.setString(1, "%:" + pid + ":%");
            try (ResultSet r = q.executeQuery()) {
                return r.next() ? new String[] {r.getString(1), r.getString(2)} : null;
            }
        } catch (java.sql.SQLException e) {
            return null; // the first worker has not made the schema yet
        }
    }

    private static String run(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", pb.command()));
        assertEquals(0, p.exitValue(), String.join(" ", pb.command()) + ": " + out);
        return out;
    }
}
