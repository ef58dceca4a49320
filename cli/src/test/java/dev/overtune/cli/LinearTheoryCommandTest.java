package dev.overtune.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.overtune.cli.MainTest.assertOneLineError;
import static dev.overtune.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code overtune linear-theory}: the whole ground-truth experiment, and its reports, from one command. What the
 * full run finds is asserted by the engine's {@code LinearTheoryScanTest} on the same {@code LinearTheoryRun};
 * here {@code --quick} checks the command's path (series, both stores, both reports, resume) in seconds.
 */
class LinearTheoryCommandTest {
    @Test
    void writesBothReportsAndResumes(@TempDir Path tmp) {
        Path out = tmp.resolve("lt");
        MainTest.Run r = run("linear-theory", "--quick", "--out", out.toString(), "--threads", "2");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        for (String task : new String[] {"misaligned", "aligned"}) {
            assertTrue(Files.exists(out.resolve(task + ".db")), task + " store");
            assertTrue(Files.exists(out.resolve("report-" + task).resolve("report.html")), task + " report");
        }
        assertTrue(Files.exists(out.resolve("series").resolve("series.json")));
        assertTrue(r.out().contains("budgets 100K,200K,400K"), r.out());
        int split = r.out().indexOf("\naligned fine-tuning task");
        assertTrue(split > 0 && r.out().indexOf("\nmisaligned fine-tuning task") < split, r.out());
        // Each report's own findings, for its own grid: 3 checkpoints cannot give a significant p, and the report says so.
        assertTrue(r.out().contains("OOD loss after fine-tuning at LR 0.004"), r.out());
        assertTrue(r.out().contains("nothing can be significant"), r.out());

        // A second run finds everything done: the series and both stores are reused, not redone.
        MainTest.Run again = run("linear-theory", "--quick", "--out", out.toString(), "--threads", "2");
        assertEquals(ExitCodes.OK, again.code(), again.err());
        assertTrue(again.out().contains("0 to run"), again.out());
    }

    @Test
    void refusesNonPositiveThreads(@TempDir Path tmp) {
        assertOneLineError(run("linear-theory", "--out", tmp.toString(), "--threads", "0"), ExitCodes.USAGE, "--threads");
    }
}
