package dev.overtune.series;

import dev.overtune.checkpoint.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery of the checkpoints of a series: the naming schemes, the manifest, and what is refused. */
class CheckpointSeriesTest {
    @TempDir Path dir;

    private void dirs(String... names) throws IOException {
        for (String n : names) {
            Files.createDirectories(dir.resolve(n));
        }
    }

    private static List<String> names(CheckpointSeries s) {
        return s.checkpoints().stream().map(SeriesCheckpoint::name).toList();
    }

    private String refused(OptionalLong tokensPerStep, String... mentions) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointSeries.discover(dir, tokensPerStep));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        for (String needle : mentions) {
            assertTrue(m.contains(needle), "'" + needle + "' missing from: " + m);
        }
        return m;
    }

    @Test
    void pythiaStepsOrderNumericallyAndGetTokensFromTokensPerStep() throws IOException {
        dirs("step10000", "step2000", "step0", "step143000", "not-a-checkpoint", ".hidden-step1");
        Files.writeString(dir.resolve("step5"), "a file, not a checkpoint directory");
        CheckpointSeries s = CheckpointSeries.discover(dir, OptionalLong.empty());
        assertEquals(List.of("step0", "step2000", "step10000", "step143000"), names(s));
        assertEquals("directory names", s.source());
        assertEquals(OptionalLong.of(10000), s.checkpoints().get(2).step());
        assertTrue(s.checkpoints().get(2).tokens().isEmpty());
        assertEquals(dir.resolve("step10000"), s.checkpoints().get(2).directory());

        CheckpointSeries withTokens = CheckpointSeries.discover(dir, OptionalLong.of(2_097_152));
        assertEquals(OptionalLong.of(143_000L * 2_097_152), withTokens.checkpoints().get(3).tokens());
    }

    @Test
    void olmoNamesCarryTheirTokenCounts() throws IOException {
        dirs("stage1-step928646-tokens3896B", "stage1-step1000-tokens5B", "step500-tokens2100M", "step10-tokens42K", "step2000000-tokens1.5T");
        CheckpointSeries s = CheckpointSeries.discover(dir, OptionalLong.of(7)); // ignored: the names give tokens
        // Ordered by tokens, not step: the series is about pre-training tokens.
        assertEquals(List.of("step10-tokens42K", "step500-tokens2100M", "stage1-step1000-tokens5B", "step2000000-tokens1.5T",
                "stage1-step928646-tokens3896B"), names(s));
        List<Long> tokens = s.checkpoints().stream().map(c -> c.tokens().getAsLong()).toList();
        assertEquals(List.of(42_000L, 2_100_000_000L, 5_000_000_000L, 1_500_000_000_000L, 3_896_000_000_000L), tokens);
        assertEquals(OptionalLong.of(928_646), s.checkpoints().get(4).step());
    }

    @Test
    void huggingFaceTrainerNamesAreSteps() throws IOException {
        dirs("checkpoint-1500", "checkpoint-500", "checkpoint-1000");
        assertEquals(List.of("checkpoint-500", "checkpoint-1000", "checkpoint-1500"), names(CheckpointSeries.discover(dir, OptionalLong.empty())));
    }

    @Test
    void namesThatOnlyLookLikeCheckpointsAreIgnored() {
        for (String n : List.of("step", "stepX", "step-100", "step100-tokens", "step100-tokens5Q", "step1.5", "xstep100", "checkpoint_100",
                "step100-tokens0.5", "step100-tokens1.0000000001K")) {
            assertTrue(CheckpointDirectoryName.parse(n).isEmpty(), n);
        }
    }

    @Test
    void manifestOrdersByTokensAndKeepsHashes() throws IOException {
        dirs("runs/a", "runs/b", "c");
        String hash = "AB".repeat(32);
        Files.writeString(dir.resolve("series.json"), """
                {"format": "overtune-series/1", "name": "my-run", "notes": {"anything": [1, 2]},
                 "checkpoints": [
                   {"name": "late", "path": "runs/b", "tokens": 3000000, "step": 300, "extra": true},
                   {"name": "early", "path": "runs/a", "tokens": 1000000, "sha256": {"model.safetensors": "%s"}},
                   {"name": "middle", "path": "./c/", "tokens": 2000000, "step": 200}
                 ]}""".formatted(hash));
        dirs("step999"); // a manifest is the whole truth: directory names are not scanned
        CheckpointSeries s = CheckpointSeries.discover(dir, OptionalLong.empty());
        assertEquals("my-run", s.name());
        assertEquals("series.json", s.source());
        assertEquals(List.of("early", "middle", "late"), names(s));
        SeriesCheckpoint early = s.checkpoints().getFirst();
        assertTrue(early.step().isEmpty());
        assertEquals(Map.of("model.safetensors", "ab".repeat(32)), early.expectedSha256());
        assertTrue(Files.isSameFile(dir.resolve("runs/a"), early.directory()));
        assertTrue(Files.isSameFile(dir.resolve("c"), s.checkpoints().get(1).directory()));
    }

    @Test
    void manifestPathsEscapingTheSeriesAreRefused() throws IOException {
        for (String escape : List.of("../elsewhere", "/etc", "runs/../../x", ".", "runs/..", "./")) {
            Files.writeString(dir.resolve("series.json"), """
                    {"format": "overtune-series/1", "checkpoints": [{"name": "x", "path": "%s", "tokens": 1}]}""".formatted(escape));
            refused(OptionalLong.empty(), dir.resolve("series.json").toString(), "is not a directory inside the series directory");
        }
        Files.writeString(dir.resolve("series.json"), """
                {"format": "overtune-series/1", "checkpoints": [{"name": "x", "path": "a", "tokens": 1,
                 "sha256": {"../../etc/passwd": "%s"}}]}""".formatted("0".repeat(64)));
        refused(OptionalLong.empty(), "sha256 file '../../etc/passwd' is not a file inside");
    }

    @Test
    void malformedManifestsAreOneLineErrorsNamingTheFile() throws IOException {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"format\": \"overtune-series/1\", \"checkpoints\": [", "is not valid JSON");
        cases.put("[1, 2]", "is not a JSON object");
        cases.put("{\"format\": \"overtune-series/2\", \"checkpoints\": []}", "expected \"overtune-series/1\"");
        cases.put("{\"checkpoints\": []}", "\"format\" is missing");
        cases.put("{\"format\": \"overtune-series/1\", \"checkpoints\": []}", "at least one entry");
        cases.put("{\"format\": \"overtune-series/1\", \"checkpoints\": [{\"name\": \"x\", \"path\": \"a\"}]}", "\"tokens\" is missing");
        cases.put("{\"format\": \"overtune-series/1\", \"checkpoints\": [{\"name\": \"x\", \"path\": \"a\", \"tokens\": -5}]}", "not a non-negative integer");
        cases.put("{\"format\": \"overtune-series/1\", \"checkpoints\": [{\"name\": \"x\", \"path\": \"a\", \"tokens\": 1, \"step\": 1.5}]}", "\"step\" is 1.5");
        cases.put("{\"format\": \"overtune-series/1\", \"checkpoints\": [{\"path\": \"a\", \"tokens\": 1}]}", "\"name\" is missing");
        cases.put("{\"format\": \"overtune-series/1\", \"checkpoints\": [{\"name\": \"x\", \"path\": \"a\", \"tokens\": 1},"
                + " {\"name\": \"x\", \"path\": \"b\", \"tokens\": 2}]}", "name 'x' is used twice");
        cases.put("{\"format\": \"overtune-series/1\", \"checkpoints\": [{\"name\": \"x\", \"path\": \"a\", \"tokens\": 1,"
                + " \"sha256\": {\"model.safetensors\": \"abc\"}}]}", "not 64 hex digits");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.writeString(dir.resolve("series.json"), c.getKey());
            refused(OptionalLong.empty(), dir.resolve("series.json").toString(), c.getValue(), "fix series.json");
        }
    }

    @Test
    void aDirectoryWithoutCheckpointsIsAnErrorNamingIt() throws IOException {
        dirs("logs", "tokenizer");
        refused(OptionalLong.empty(), dir.toString(), "no checkpoints", "step1000");
        CheckpointException missing = assertThrows(CheckpointException.class,
                () -> CheckpointSeries.discover(dir.resolve("nope"), OptionalLong.empty()));
        assertTrue(missing.getMessage().contains(dir.resolve("nope") + ": no such directory"), missing.getMessage());
    }

    @Test
    void tokensPerStepMustBePositive() throws IOException {
        dirs("step1");
        assertThrows(IllegalArgumentException.class, () -> CheckpointSeries.discover(dir, OptionalLong.of(0)));
    }
}
