package dev.overtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;

import static dev.overtune.cli.MainTest.assertOneLineError;
import static dev.overtune.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code series init}, {@code verify} and {@code scan} on a Hugging Face cache directory built the way huggingface_hub writes one. */
class SeriesCommandTest {
    /** models--EleutherAI--pythia-tiny with revisions step1000, step2000, step3000 (its weights' blob missing) and main. */
    static Path pythiaCache(Path tmp) throws Exception {
        Path model = tmp.resolve("hub").resolve("models--EleutherAI--pythia-tiny");
        Files.createDirectories(model.resolve("blobs"));
        Files.createDirectories(model.resolve("refs"));
        int n = 0;
        for (String revision : new String[] {"step1000", "step2000", "step3000"}) {
            Path checkpoint = TinyCheckpoint.write(tmp.resolve("src-" + revision), ++n);
            String commit = String.format("%040x", 0xabc000L + n);
            Path snapshot = Files.createDirectories(model.resolve("snapshots").resolve(commit));
            try (Stream<Path> files = Files.list(checkpoint)) {
                for (Path f : files.sorted().toList()) {
                    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
                    String blob = f.toString().endsWith(".safetensors") ? sha : sha.substring(0, 40);
                    if (!Files.exists(model.resolve("blobs").resolve(blob))) {
                        Files.copy(f, model.resolve("blobs").resolve(blob));
                    }
                    Files.createSymbolicLink(snapshot.resolve(f.getFileName()), Path.of("../../blobs").resolve(blob));
                }
            }
            Files.writeString(model.resolve("refs").resolve(revision), commit);
            if (revision.equals("step3000")) { // an interrupted download
                Files.delete(model.resolve("blobs").resolve(Files.readSymbolicLink(snapshot.resolve("model.safetensors")).getFileName()));
            } else {
                Files.writeString(model.resolve("refs").resolve("main"), commit);
            }
        }
        return model;
    }

    @Test
    void initWritesSeriesJsonAndNamesTheIncompleteRevision(@TempDir Path tmp) throws Exception {
        Path model = pythiaCache(tmp);
        MainTest.Run r = run("series", "init", tmp.resolve("hub").toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("EleutherAI/pythia-tiny: 2 checkpoints"), r.out());
        assertTrue(r.out().contains("tokens = step x 2,097,152 per step (Pythia's"), r.out());
        assertTrue(r.out().contains("step2000") && r.out().contains("4.19B tokens"), r.out());
        assertTrue(r.out().contains("step3000") && r.out().contains("left out") && r.out().contains("interrupted download"), r.out());
        assertTrue(r.out().contains("skipped (no step in the name): main"), r.out());
        assertTrue(r.err().contains("step3000") && r.err().lines().count() == 1, r.err());
        JsonNode json = new ObjectMapper().readTree(model.resolve("series.json").toFile());
        assertEquals(2, json.get("checkpoints").size());
        assertEquals(2000L * 2097152L, json.get("checkpoints").get(1).get("tokens").asLong());

        // verify now reads series.json: both checkpoints match the SHA-256 their blobs are named by.
        MainTest.Run v = run("verify", model.toString());
        assertEquals(ExitCodes.OK, v.code(), v.out() + v.err());
    }

    @Test
    void verifyAndScanReadTheCacheDirectly(@TempDir Path tmp) throws Exception {
        Path model = pythiaCache(tmp);
        MainTest.Run v = run("verify", model.toString(), "--tokens-per-step", "64");
        assertEquals(ExitCodes.BAD_INPUT, v.code(), v.out());
        assertTrue(v.out().contains("from Hugging Face cache revisions"), v.out());
        assertTrue(v.out().lines().anyMatch(l -> l.startsWith("step1000") && l.endsWith("ok")), v.out());
        assertTrue(v.out().lines().anyMatch(l -> l.startsWith("step2000") && l.endsWith("ok")), v.out());
        assertTrue(v.out().lines().anyMatch(l -> l.startsWith("step3000") && l.endsWith("UNREADABLE")), v.out());
        assertTrue(v.out().contains("step3000") && v.out().contains("model.safetensors"), v.out());

        Files.delete(model.resolve("refs").resolve("step3000"));
        Path text = MainTest.sampleText(tmp);
        MainTest.Run s = run("scan", model.toString(), "--tokens-per-step", "64", "--task", text.toString(), "--ood", text.toString(),
                "--store", tmp.resolve("s.db").toString(), "--ft-steps", "1", "--ft-batch", "2", "--ft-seq-len", "32", "--lrs", "3e-3",
                "--seeds", "0", "--gammas", "1", "--samples", "1", "--quant", "int8", "--eval-batch", "2", "--eval-seq-len", "32",
                "--eval-batches", "1");
        assertEquals(ExitCodes.OK, s.code(), s.err());
        assertTrue(s.out().contains("2 checkpoints of gpt2") && s.out().contains("(0 failed)"), s.out());
    }

    @Test
    void badCacheDirectoriesAreOneLine(@TempDir Path tmp) throws Exception {
        assertOneLineError(run("series", "init", tmp.resolve("none").toString()), ExitCodes.BAD_INPUT, "none", "no such directory");
        assertOneLineError(run("series", "init", tmp.toString()), ExitCodes.BAD_INPUT, "not a Hugging Face cache");
        Path model = pythiaCache(tmp);
        assertOneLineError(run("series", "init", model.toString(), "--out", tmp.resolve("x").resolve("series.json").toString()),
                ExitCodes.BAD_INPUT, "--out", "series.json must sit in");
        Path other = tmp.resolve("hub").resolve("models--me--run");
        Files.createDirectories(other.resolve("refs"));
        Files.createDirectories(other.resolve("snapshots"));
        assertOneLineError(run("series", "init", tmp.resolve("hub").toString()), ExitCodes.BAD_INPUT, "2 models", "models--me--run");
    }
}
