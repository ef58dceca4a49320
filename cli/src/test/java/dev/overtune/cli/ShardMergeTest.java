package dev.overtune.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shard stores without a database: merged they equal the one-store run; reported together or apart they say what they cover. */
class ShardMergeTest {
    @TempDir
    static Path dir;
    static Path series;
    static Path text;
    static Path whole;
    static Path shard0;
    static Path shard1;

    @BeforeAll
    static void scanWholeAndInShards() throws Exception {
        text = MainTest.sampleText(dir);
        series = dir.resolve("series");
        // By name hash step2 and step4 are shard 0/2, step6 shard 1/2.
        for (int steps : new int[] {2, 4, 6}) {
            MainTest.Run r = MainTest.run("finetune", "tiny", "--text", text.toString(), "--steps", String.valueOf(steps), "--batch", "2",
                    "--seq-len", "32", "--save", series.resolve("step" + steps).toString(), "--format", "json");
            assertEquals(ExitCodes.OK, r.code(), r.err());
        }
        whole = dir.resolve("whole.db");
        shard0 = dir.resolve("shard-0.db");
        shard1 = dir.resolve("shard-1.db");
        assertEquals(ExitCodes.OK, MainTest.run(scan(whole)).code());
        MainTest.Run a = MainTest.run(scan(shard0, "--shard", "0/2"));
        assertEquals(ExitCodes.OK, a.code(), a.err());
        MainTest.Run b = MainTest.run(scan(shard1, "--shard", "1/2"));
        assertEquals(ExitCodes.OK, b.code(), b.err());
        assertTrue(a.out().contains("\"units_stored\":8") && b.out().contains("\"units_stored\":4"), a.out() + b.out());
        assertTrue(a.err().contains("scan: shard 0/2 has step2, step4 (8 of the plan's 12 units; a checkpoint's shard is the hash of its name)"), a.err());
        MainTest.Run none = MainTest.run(scan(dir.resolve("none.db"), "--shard", "0/9"));
        assertTrue(none.err().contains("scan: shard 0/9 has none of the 3 checkpoints (0 of the plan's 12 units;"), none.err());
    }

    static String[] scan(Path store, String... extra) {
        return scanArgs(series, text, store.toString(), extra);
    }

    /** A small scan of a tiny series: 4 units per checkpoint. */
    static String[] scanArgs(Path series, Path text, String store, String... extra) {
        List<String> a = new ArrayList<>(List.of("scan", series.toString(), "--tokens-per-step", "64", "--task", text.toString(), "--ood",
                text.toString(), "--store", store, "--ft-steps", "2", "--ft-batch", "2", "--ft-seq-len", "32", "--lrs", "3e-3",
                "--seeds", "0", "--gammas", "1", "--samples", "1", "--quant", "int8", "--eval-batch", "2", "--eval-seq-len", "32",
                "--eval-batches", "1", "--threads", "1", "--format", "json"));
        for (int i = 0; i < extra.length; i++) {
            int at = a.indexOf(extra[i]);
            boolean valued = i + 1 < extra.length && !extra[i + 1].startsWith("--");
            if (at >= 0 && valued) {
                a.set(at + 1, extra[++i]); // a flag given again replaces the default above
            } else {
                a.add(extra[i]);
            }
        }
        return a.toArray(String[]::new);
    }

    @Test
    void mergedShardStoresEqualTheOneStoreRun(@TempDir Path tmp) {
        Path merged = tmp.resolve("merged.db");
        MainTest.Run m = MainTest.run("merge-stores", merged.toString(), shard0.toString(), shard1.toString());
        assertEquals(ExitCodes.OK, m.code(), m.err());
        assertTrue(m.out().contains("12 units (0 found in more than one store); all 12 units of the plan"), m.out());
        MainTest.Run same = MainTest.run("compare-stores", merged.toString(), whole.toString(), "--atol", "0", "--rtol", "0", "--differences-only");
        assertEquals(ExitCodes.OK, same.code(), same.out() + same.err());
        assertTrue(same.out().contains("all 12 units agree"), same.out());
        // A unit in two inputs is kept once.
        Path again = tmp.resolve("again.db");
        MainTest.Run twice = MainTest.run("merge-stores", again.toString(), shard0.toString(), whole.toString());
        assertEquals(ExitCodes.OK, twice.code(), twice.err());
        assertTrue(twice.out().contains("12 units (8 found in more than one store)"), twice.out());
    }

    @Test
    void aReportOfOneShardSaysItIsPartialAndNamesTheMissingShard(@TempDir Path tmp) {
        MainTest.Run one = MainTest.run("report", shard0.toString(), "--out", tmp.resolve("one").toString());
        assertEquals(ExitCodes.OK, one.code(), one.err());
        assertTrue(one.out().startsWith("PARTIAL PLAN: " + shard0 + ": 8 of 12 units of the plan; no units of step6; shard stores missing: 1/2"),
                one.out());
        assertTrue(one.err().contains("partial plan") && one.err().contains("drawn from these units only"), one.err());
        MainTest.Run both = MainTest.run("report", shard0.toString(), shard1.toString(), "--out", tmp.resolve("both").toString(), "--format", "json");
        assertEquals(ExitCodes.OK, both.code(), both.err());
        assertTrue(both.out().contains("\"units_stored\":12,\"units_in_plan\":12,\"coverage\":\"all 12 units of the plan\""), both.out());
    }

    @Test
    void otherPlansConflictsAndAnExistingOutputAreRefusedWithoutWriting(@TempDir Path tmp) throws Exception {
        Path other = tmp.resolve("other.db");
        assertEquals(ExitCodes.OK, MainTest.run(scan(other, "--eval-batches", "2", "--shard", "1/2")).code());
        Path out = tmp.resolve("out.db");
        MainTest.Run plans = MainTest.run("merge-stores", out.toString(), shard0.toString(), other.toString());
        MainTest.assertOneLineError(plans, ExitCodes.BAD_INPUT, other.toString(), "another scan plan", shard0.toString());
        assertFalse(Files.exists(out));

        Path edited = tmp.resolve("edited.db");
        Files.copy(shard1, edited);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + edited); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE unit SET metrics = replace(metrics, '\"ood_loss\":', '\"ood_loss\":1') WHERE probe = 'base'");
        }
        MainTest.Run conflict = MainTest.run("merge-stores", out.toString(), whole.toString(), edited.toString());
        MainTest.assertOneLineError(conflict, ExitCodes.BAD_INPUT, "step6 base", "differs between", whole.toString(), edited.toString(), "ood_loss");
        assertFalse(Files.exists(out));

        Files.writeString(out, "");
        MainTest.assertOneLineError(MainTest.run("merge-stores", out.toString(), shard0.toString()), ExitCodes.BAD_INPUT, out.toString(), "already exists");
    }
}
