package dev.overtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.overtune.cli.MainTest.assertOneLineError;
import static dev.overtune.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code overtune verify} end to end: a clean series exits 0, a damaged one exits 3 and says what is wrong. */
class VerifyCommandTest {
    @TempDir Path series;

    @Test
    void aCleanSeriesExitsZeroWithATable() {
        for (int step : new int[] {1000, 2000, 3000}) {
            TinyCheckpoint.write(series.resolve("step" + step), step);
        }
        MainTest.Run r = run("verify", series.toString(), "--tokens-per-step", "2097152");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals("", r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertTrue(lines.getFirst().contains("3 checkpoints from directory names"), lines.getFirst());
        assertTrue(lines.get(2).startsWith("step1000") && lines.get(2).contains("2.1B") && lines.get(2).endsWith("ok"), lines.get(2));
        assertEquals("clean: 3 checkpoints, no findings", lines.getLast());
    }

    @Test
    void aDamagedSeriesExitsThreeAndListsEveryProblem() throws Exception {
        for (int step : new int[] {1000, 2000, 3000, 5000, 6000}) {
            TinyCheckpoint.write(series.resolve("step" + step), step);
        }
        Files.delete(series.resolve("step6000/model.safetensors"));
        Files.copy(series.resolve("step1000/model.safetensors"), series.resolve("step6000/model.safetensors"));
        try (RandomAccessFile f = new RandomAccessFile(series.resolve("step2000/model.safetensors").toFile(), "rw")) {
            f.setLength(100);
        }

        MainTest.Run text = run("verify", series.toString());
        assertOneLineError(text, ExitCodes.BAD_INPUT, series.toString(), "3 findings in 5 checkpoints");
        assertTrue(text.out().contains("UNREADABLE"), text.out());
        assertTrue(text.out().contains("3 findings:"), text.out());

        MainTest.Run json = run("verify", series.toString(), "--format", "json");
        assertEquals(ExitCodes.BAD_INPUT, json.code(), json.err());
        JsonNode root = new ObjectMapper().readTree(json.out());
        assertFalse(root.get("clean").asBoolean());
        List<String> kinds = new ArrayList<>();
        root.get("findings").forEach(f -> kinds.add(f.get("kind").asText()));
        assertEquals(List.of("unreadable", "identical-files", "step-gap"), kinds);
        JsonNode first = root.get("checkpoints").get(0);
        assertEquals("step1000", first.get("name").asText());
        assertEquals(64, first.get("sha256").get("model.safetensors").asText().length());
        assertEquals(1000, first.get("step").asLong());
        assertTrue(first.get("tokens").isNull());
        assertFalse(root.get("checkpoints").get(1).get("readable").asBoolean());
    }

    @Test
    void aDirectoryWithoutCheckpointsIsAOneLineError() throws Exception {
        Files.createDirectories(series.resolve("logs"));
        assertOneLineError(run("verify", series.toString()), ExitCodes.BAD_INPUT, series.toString(), "no checkpoints");
        assertOneLineError(run("verify", series.resolve("absent").toString()), ExitCodes.BAD_INPUT, "absent", "no such directory");
        assertOneLineError(run("verify", series.toString(), "--tokens-per-step", "0"), ExitCodes.USAGE, "--tokens-per-step");
    }
}
