package dev.overtune.series;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each finding of {@link SeriesVerifier} on real tiny checkpoints, and a clean series with none. */
class SeriesVerifierTest {
    @TempDir Path dir;

    private VerifyReport verify() {
        return SeriesVerifier.verify(CheckpointSeries.discover(dir, OptionalLong.empty()));
    }

    private static List<Finding> of(VerifyReport r, Finding.Kind kind) {
        return r.findings().stream().filter(f -> f.kind() == kind).toList();
    }

    private static CheckpointDigest digest(VerifyReport r, String name) {
        return r.digests().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
    }

    private static void assertMentions(Finding f, String... needles) {
        assertFalse(f.message().contains("\n"), f.message());
        for (String n : needles) {
            assertTrue(f.message().contains(n), "'" + n + "' missing from: " + f.message());
        }
    }

    @Test
    void distinctCheckpointsOnAGridAreClean() throws Exception {
        for (int i = 1; i <= 3; i++) {
            TinyCheckpoints.write(dir.resolve("step" + i * 1000), i);
        }
        VerifyReport r = verify();
        assertTrue(r.clean(), r.findings().toString());
        assertEquals(List.of("step1000", "step2000", "step3000"), r.digests().stream().map(CheckpointDigest::name).toList());
        CheckpointDigest first = r.digests().getFirst();
        Path weights = dir.resolve("step1000/model.safetensors");
        assertEquals(Map.of("model.safetensors", TinyCheckpoints.sha256(weights)), first.weightFiles());
        assertEquals(Files.size(weights), first.weightBytes());
        assertEquals(TinyCheckpoints.MODEL.params().size(), first.tensors());
        assertTrue(first.readable());
        assertNotEquals(first.weightsSha256(), r.digests().get(1).weightsSha256());
    }

    @Test
    void aCopiedCheckpointIsByteIdentical() {
        TinyCheckpoints.write(dir.resolve("step1000"), 1);
        TinyCheckpoints.copyDirectory(dir.resolve("step1000"), dir.resolve("step2000"));
        TinyCheckpoints.write(dir.resolve("step3000"), 3);
        VerifyReport r = verify();
        List<Finding> identical = of(r, Finding.Kind.IDENTICAL_FILES);
        assertEquals(1, identical.size(), r.findings().toString());
        assertEquals(List.of("step1000", "step2000"), identical.getFirst().checkpoints());
        assertMentions(identical.getFirst(), "step1000, step2000", "byte-identical", "model.safetensors");
        assertEquals(List.of(), of(r, Finding.Kind.SAME_WEIGHTS), "byte-identical is reported once, as such");
        assertEquals(1, r.findings().size(), r.findings().toString());
    }

    @Test
    void sameTensorsWithDifferentMetadataAreTheSameWeights() throws Exception {
        TinyCheckpoints.write(dir.resolve("step1000"), 1, Map.of("saved_by", "run-a"));
        TinyCheckpoints.write(dir.resolve("step2000"), 1, Map.of("saved_by", "run-b", "step", "2000"));
        TinyCheckpoints.writeSharded(dir.resolve("step3000"), 1);
        TinyCheckpoints.write(dir.resolve("step4000"), 4);
        VerifyReport r = verify();
        assertNotEquals(digest(r, "step1000").weightFiles(), digest(r, "step2000").weightFiles(), "the files must really differ");
        assertEquals(2, digest(r, "step3000").weightFiles().size());
        List<Finding> same = of(r, Finding.Kind.SAME_WEIGHTS);
        assertEquals(1, same.size(), r.findings().toString());
        assertEquals(List.of("step1000", "step2000", "step3000"), same.getFirst().checkpoints());
        assertMentions(same.getFirst(), "the same " + TinyCheckpoints.MODEL.params().size() + " tensors");
        assertEquals(List.of(), of(r, Finding.Kind.IDENTICAL_FILES));
    }

    @Test
    void oneChangedWeightMakesTheWeightsDifferent() throws Exception {
        TinyCheckpoints.write(dir.resolve("step1000"), 1);
        TinyCheckpoints.copyDirectory(dir.resolve("step1000"), dir.resolve("step2000"));
        Path weights = dir.resolve("step2000/model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(weights.toFile(), "rw")) {
            f.seek(f.length() - 1); // the last byte of the last tensor's data
            int b = f.read();
            f.seek(f.length() - 1);
            f.write(b ^ 1);
        }
        VerifyReport r = verify();
        assertTrue(r.clean(), r.findings().toString());
        assertNotEquals(digest(r, "step1000").weightsSha256(), digest(r, "step2000").weightsSha256());
    }

    @Test
    void aMissingStepInTheGridIsAGap() {
        for (long step : new long[] {0, 1000, 2000, 3000, 6000, 7000}) {
            TinyCheckpoints.write(dir.resolve("step" + step), step);
        }
        VerifyReport r = verify();
        assertEquals(1, r.findings().size(), r.findings().toString());
        Finding gap = of(r, Finding.Kind.STEP_GAP).getFirst();
        assertEquals(List.of("step3000", "step6000"), gap.checkpoints());
        assertMentions(gap, "1000-step grid", "2 checkpoints", "4000, 5000");
    }

    @Test
    void tokensThatDoNotGrowWithStepAreReported() {
        TinyCheckpoints.write(dir.resolve("step1000-tokens4B"), 1);
        TinyCheckpoints.write(dir.resolve("step2000-tokens8B"), 2);
        TinyCheckpoints.write(dir.resolve("step3000-tokens8B"), 3);
        TinyCheckpoints.write(dir.resolve("step4000-tokens16B"), 4);
        VerifyReport r = verify();
        List<Finding> tokens = of(r, Finding.Kind.TOKENS_NOT_INCREASING);
        assertEquals(1, tokens.size(), r.findings().toString());
        assertEquals(List.of("step2000-tokens8B", "step3000-tokens8B"), tokens.getFirst().checkpoints());
        assertMentions(tokens.getFirst(), "step 3000", "8000000000 tokens");
        assertEquals(1, r.findings().size(), r.findings().toString());
    }

    @Test
    void twoCheckpointsClaimingOneStep() throws IOException {
        TinyCheckpoints.write(dir.resolve("a"), 1);
        TinyCheckpoints.write(dir.resolve("b"), 2);
        Files.writeString(dir.resolve("series.json"), """
                {"format": "overtune-series/1", "checkpoints": [
                  {"name": "a", "path": "a", "tokens": 100, "step": 10},
                  {"name": "b", "path": "b", "tokens": 200, "step": 10}]}""");
        VerifyReport r = verify();
        assertEquals(1, r.findings().size(), r.findings().toString());
        assertMentions(of(r, Finding.Kind.DUPLICATE_STEP).getFirst(), "a, b", "step 10");
    }

    @Test
    void hashesThatDifferFromTheManifestAreReported() throws Exception {
        TinyCheckpoints.write(dir.resolve("a"), 1);
        TinyCheckpoints.write(dir.resolve("b"), 2);
        String goodA = TinyCheckpoints.sha256(dir.resolve("a/model.safetensors"));
        String goodConfig = TinyCheckpoints.sha256(dir.resolve("a/config.json"));
        String wrong = "0".repeat(64);
        Files.writeString(dir.resolve("series.json"), """
                {"format": "overtune-series/1", "checkpoints": [
                  {"name": "a", "path": "a", "tokens": 100, "sha256": {"model.safetensors": "%s", "config.json": "%s"}},
                  {"name": "b", "path": "b", "tokens": 200, "sha256": {"model.safetensors": "%s", "tokenizer.json": "%s"}}]}"""
                .formatted(goodA.toUpperCase(), goodConfig, wrong, wrong));
        VerifyReport r = verify();
        List<Finding> mismatches = of(r, Finding.Kind.HASH_MISMATCH);
        assertEquals(2, mismatches.size(), r.findings().toString());
        assertTrue(mismatches.stream().allMatch(f -> f.checkpoints().equals(List.of("b"))), mismatches.toString());
        assertMentions(mismatches.get(0), dir.resolve("b/model.safetensors").toString(), "expects 000000000000");
        assertMentions(mismatches.get(1), dir.resolve("b/tokenizer.json").toString(), "missing");
        assertEquals(2, r.findings().size(), r.findings().toString());
        assertEquals(goodConfig, digest(r, "a").otherFiles().get("config.json"));
    }

    @Test
    void aTruncatedCheckpointIsReportedAndTheRestAreStillVerified() throws Exception {
        for (int i = 1; i <= 4; i++) {
            TinyCheckpoints.write(dir.resolve("step" + i * 1000), i);
        }
        TinyCheckpoints.copyDirectory(dir.resolve("step4000"), dir.resolve("step5000"));
        Path truncated = dir.resolve("step2000/model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(truncated.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        VerifyReport r = verify();
        List<Finding> unreadable = of(r, Finding.Kind.UNREADABLE);
        assertEquals(1, unreadable.size(), r.findings().toString());
        assertEquals(List.of("step2000"), unreadable.getFirst().checkpoints());
        assertMentions(unreadable.getFirst(), truncated.toString(), "truncated");
        assertFalse(digest(r, "step2000").readable());
        assertEquals(TinyCheckpoints.sha256(truncated), digest(r, "step2000").weightFiles().get("model.safetensors"),
                "an unreadable file is still hashed, for comparison with published hashes");
        for (String name : List.of("step1000", "step3000", "step4000", "step5000")) {
            assertTrue(digest(r, name).readable(), name);
        }
        assertEquals(List.of("step4000", "step5000"), of(r, Finding.Kind.IDENTICAL_FILES).getFirst().checkpoints(),
                "findings after the broken checkpoint are still made");
        assertEquals(2, r.findings().size(), r.findings().toString());
    }

    @Test
    void missingConfigPickleOnlyAndMissingDirectoriesAreUnreadable() throws IOException {
        TinyCheckpoints.write(dir.resolve("no-config"), 1);
        Files.delete(dir.resolve("no-config/config.json"));
        Files.createDirectories(dir.resolve("pickle"));
        Files.writeString(dir.resolve("pickle/config.json"), TinyCheckpoints.MODEL.configJson());
        Files.write(dir.resolve("pickle/pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        TinyCheckpoints.write(dir.resolve("fine"), 3);
        Files.writeString(dir.resolve("series.json"), """
                {"format": "overtune-series/1", "checkpoints": [
                  {"name": "no-config", "path": "no-config", "tokens": 1},
                  {"name": "pickle", "path": "pickle", "tokens": 2},
                  {"name": "gone", "path": "gone", "tokens": 3},
                  {"name": "fine", "path": "fine", "tokens": 4}]}""");
        VerifyReport r = verify();
        List<Finding> unreadable = of(r, Finding.Kind.UNREADABLE);
        assertEquals(3, unreadable.size(), r.findings().toString());
        assertMentions(unreadable.get(0), dir.resolve("no-config/config.json").toString(), "missing");
        assertMentions(unreadable.get(1), "pytorch_model.bin", "pickle");
        assertMentions(unreadable.get(2), "gone", "no such checkpoint directory");
        assertTrue(digest(r, "fine").readable());
        assertEquals(3, r.findings().size(), r.findings().toString());
    }
}
