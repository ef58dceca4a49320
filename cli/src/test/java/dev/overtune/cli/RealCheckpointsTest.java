package dev.overtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

import static dev.overtune.cli.MainTest.assertOneLineError;
import static dev.overtune.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Series laid out as users have them, end to end through the CLI: pre-trained from random init by
 * overtune itself, then scanned and reported. A Llama-layout series carrying a SentencePiece-style
 * tokenizer.json (Metaspace, byte fallback: the engine's fixture, 512 pieces, the size of
 * llama-tiny's vocabulary) and a Qwen2-layout series.
 */
class RealCheckpointsTest {
    static final Path SENTENCEPIECE = Path.of("../engine/src/test/resources/tokenizers/sentencepiece-bpe");

    static Path pretrain(Path dir, String preset) throws Exception {
        Path series = dir.resolve(preset);
        MainTest.Run r = run("pretrain", "--model", preset, "--corpus", MainTest.sampleText(dir).toString(), "--budgets", "1K,2K",
                "--out", series.toString(), "--batch", "2", "--seq-len", "32", "--threads", "2");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        return series;
    }

    static MainTest.Run scan(Path series, Path store, Path text) {
        return run("scan", series.toString(), "--task", text.toString(), "--ood", text.toString(), "--store", store.toString(),
                "--ft-steps", "2", "--ft-batch", "2", "--ft-seq-len", "32", "--lrs", "3e-3", "--seeds", "0", "--gammas", "1",
                "--samples", "1", "--quant", "int8", "--eval-batch", "2", "--eval-seq-len", "32", "--eval-batches", "1");
    }

    static void reportWorks(Path store, Path out, String... checkpoints) {
        MainTest.Run r = run("report", store.toString(), "--out", out.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        for (String c : checkpoints) {
            assertTrue(r.out().contains(c), c + " in: " + r.out());
        }
        assertTrue(Files.isRegularFile(out.resolve("results.json")) && Files.isRegularFile(out.resolve("report.html")));
    }

    @Test
    void llamaSeriesWithSentencePieceTokenizerScansAndReports(@TempDir Path dir) throws Exception {
        Path series = pretrain(dir, "llama-tiny");
        List<Path> checkpoints;
        try (Stream<Path> s = Files.list(series)) {
            checkpoints = s.filter(p -> p.getFileName().toString().startsWith("tokens-")).sorted().toList();
        }
        assertEquals(2, checkpoints.size());
        for (Path c : checkpoints) {
            Files.copy(SENTENCEPIECE.resolve("tokenizer.json"), c.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        }
        Path text = MainTest.sampleText(dir);
        Path store = dir.resolve("llama.db");
        MainTest.Run r = scan(series, store, text);
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("of llama, tokenizer tokens-1K/tokenizer.json (512 ids)"), r.out());
        assertTrue(r.out().contains("(0 failed)"), r.out());
        reportWorks(store, dir.resolve("report"), "tokens-1K", "tokens-2K");

        // eval --text reads the same tokenizer: SentencePiece's own id count for a fixture text, not its UTF-8 bytes.
        JsonNode expected = new ObjectMapper().readTree(SENTENCEPIECE.resolve("expected.json").toFile());
        String sample = expected.get("texts").get(1).asText();
        int ids = expected.get("ids").get(1).size();
        Path file = Files.writeString(dir.resolve("one.txt"), sample);
        MainTest.Run e = run("eval", checkpoints.getFirst().toString(), "--text", file.toString(), "--format", "json");
        assertEquals(ExitCodes.OK, e.code(), e.err());
        JsonNode json = new ObjectMapper().readTree(e.out().strip());
        assertEquals(ids - 1, json.get("tokens").asInt(), "scored tokens: all but the first of SentencePiece's " + ids);
        assertTrue(ids < sample.length() - 10, "fewer tokens than bytes");
        MainTest.Run bytes = run("eval", checkpoints.getFirst().toString(), "--text", file.toString(), "--format", "json", "--tokenizer", "bytes");
        assertEquals(sample.length() - 1, new ObjectMapper().readTree(bytes.out().strip()).get("tokens").asInt(), "--tokenizer bytes when asked");
    }

    @Test
    void qwen2SeriesScansAndReports(@TempDir Path dir) throws Exception {
        Path series = pretrain(dir, "qwen2-tiny");
        JsonNode config = new ObjectMapper().readTree(series.resolve("tokens-1K").resolve("config.json").toFile());
        assertEquals("qwen2", config.get("model_type").asText());
        Path text = MainTest.sampleText(dir);
        Path store = dir.resolve("qwen2.db");
        MainTest.Run r = scan(series, store, text);
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("of qwen2, tokenizer tokens-1K/tokenizer.json (256 ids)"), r.out());
        assertTrue(r.out().contains("(0 failed)"), r.out());
        reportWorks(store, dir.resolve("report"), "tokens-1K", "tokens-2K");
    }

    @Test
    void tokenizerProblemsAreOneLine(@TempDir Path dir) throws Exception {
        Path ckpt = TinyCheckpoint.write(dir.resolve("ckpt"), 1);
        Files.delete(ckpt.resolve("tokenizer.json"));
        Path text = MainTest.sampleText(dir);
        // No tokenizer beside a 512-entry vocabulary: refused, not scored as bytes.
        assertOneLineError(run("eval", ckpt.toString(), "--text", text.toString()), ExitCodes.BAD_INPUT, "512", "--tokenizer bytes");
        Files.writeString(ckpt.resolve("tokenizer.json"), "{\"model\": {\"type\": \"CharLevel\", \"vocab\": {}}}");
        assertOneLineError(run("eval", ckpt.toString(), "--text", text.toString()), ExitCodes.BAD_INPUT, "'CharLevel'",
                ckpt.resolve("tokenizer.json").toString());
        // A tokenizer with more ids than the model has rows: both sizes named.
        Path big = Files.writeString(dir.resolve("big.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []},"
                + " \"added_tokens\": [{\"id\": 600, \"content\": \"<x>\", \"single_word\": false, \"lstrip\": false, \"rstrip\": false,"
                + " \"normalized\": false, \"special\": true}]}");
        assertOneLineError(run("eval", ckpt.toString(), "--text", text.toString(), "--tokenizer", big.toString()), ExitCodes.BAD_INPUT,
                "601 ids", "512");
        assertOneLineError(run("eval", ckpt.toString(), "--text", text.toString(), "--tokenizer", dir.resolve("nope.json").toString()),
                ExitCodes.BAD_INPUT, "nope.json");
    }
}
