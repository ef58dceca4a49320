package dev.overtune.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.overtune.cli.MainTest.assertOneLineError;
import static dev.overtune.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code overtune linear-theory}: the whole ground-truth experiment, and its reports, from one command. */
class LinearTheoryCommandTest {
    @Test
    void writesBothReportsAndTheirFindings(@TempDir Path tmp) {
        Path out = tmp.resolve("lt");
        MainTest.Run r = run("linear-theory", "--out", out.toString(), "--threads", "2");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        for (String task : new String[] {"misaligned", "aligned"}) {
            assertTrue(Files.exists(out.resolve(task + ".db")), task + " store");
            assertTrue(Files.exists(out.resolve("report-" + task).resolve("report.html")), task + " report");
        }
        assertTrue(Files.exists(out.resolve("series").resolve("series.json")));
        int split = r.out().indexOf("\naligned fine-tuning task");
        assertTrue(split > 0, r.out());
        String misaligned = r.out().substring(r.out().indexOf("\nmisaligned fine-tuning task"), split);
        String aligned = r.out().substring(split);
        assertTrue(misaligned.contains("OOD loss after fine-tuning at LR 0.01: inflection at"), misaligned);
        assertTrue(aligned.contains("OOD loss after fine-tuning at LR 0.01: no inflection in range"), aligned);

        // A second run finds everything done: the series and both stores are reused, not redone.
        MainTest.Run again = run("linear-theory", "--out", out.toString(), "--threads", "2");
        assertEquals(ExitCodes.OK, again.code(), again.err());
        assertTrue(again.out().contains("0 to run"), again.out());
    }

    @Test
    void refusesNonPositiveThreads(@TempDir Path tmp) {
        assertOneLineError(run("linear-theory", "--out", tmp.toString(), "--threads", "0"), ExitCodes.USAGE, "--threads");
    }
}
