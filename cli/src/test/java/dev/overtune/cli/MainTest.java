package dev.overtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line end to end, in process: exit codes, one-line errors, outputs. */
class MainTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static Path sampleText(Path dir) throws Exception {
        Path p = dir.resolve("sample.txt");
        Files.writeString(p, DemoCommand.sampleText());
        return p;
    }

    static void assertOneLineError(Run r, int code, String... needles) {
        assertEquals(code, r.code(), r.err());
        String err = r.err().strip();
        assertTrue(err.startsWith("overtune: ") && !err.contains("\n"), "not one line: " + err);
        for (String n : needles) {
            assertTrue(err.contains(n), "'" + n + "' missing from: " + err);
        }
    }

    @Test
    void artifactsWritesTheBundle(@TempDir Path tmp) {
        Run r = run("artifacts", "--model", "tiny", "--out", tmp.resolve("a").toString(), "--batch", "2", "--seq-len", "16");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(Files.exists(tmp.resolve("a/train.onnx")) && Files.exists(tmp.resolve("a/eval.onnx")) && Files.exists(tmp.resolve("a/manifest.json")));
        assertTrue(r.out().contains("opset 17"), r.out());
    }

    @Test
    void finetuneJsonLinesShowLossFalling(@TempDir Path tmp) throws Exception {
        Run r = run("finetune", "tiny", "--text", sampleText(tmp).toString(), "--steps", "20", "--batch", "4", "--seq-len", "32", "--format", "json");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<JsonNode> events = parse(r.out());
        long steps = events.stream().filter(e -> e.get("event").asText().equals("step")).count();
        assertEquals(20, steps);
        JsonNode summary = events.get(events.size() - 1);
        assertEquals("summary", summary.get("event").asText());
        assertTrue(summary.get("loss_after").asDouble() < summary.get("loss_before").asDouble() - 0.5, summary.toString());
    }

    @Test
    void savedRunResumesWhereItStopped(@TempDir Path tmp) throws Exception {
        String text = sampleText(tmp).toString();
        String save = tmp.resolve("ckpt").toString();
        String[] common = {"finetune", "tiny", "--text", text, "--steps", "6", "--warmup", "2", "--batch", "2", "--seq-len", "32", "--format", "json", "--save", save};
        Run full = run(common);
        assertEquals(ExitCodes.OK, full.code(), full.err());
        assertTrue(Files.exists(Path.of(save, "config.json")) && Files.exists(Path.of(save, "model.safetensors")));

        // The saved directory is itself a checkpoint finetune can start from.
        Run again = run("finetune", save, "--text", text, "--steps", "2", "--batch", "2", "--seq-len", "32");
        assertEquals(ExitCodes.OK, again.code(), again.err());

        // Resuming a finished run does no steps; with a longer schedule, resuming continues at step 6.
        Run resumed = run(concat(common, "--resume"));
        assertEquals(ExitCodes.OK, resumed.code(), resumed.err());
        List<JsonNode> events = parse(resumed.out());
        assertEquals(6, events.stream().filter(e -> e.get("event").asText().equals("resumed")).findFirst().orElseThrow().get("next_step").asLong());
        assertEquals(0, events.stream().filter(e -> e.get("event").asText().equals("step")).count());
        // The pre-trained "before" loss survives the resume, and the step count covers the whole run.
        double firstBefore = parse(full.out()).stream().filter(e -> e.get("event").asText().equals("eval")).findFirst().orElseThrow().get("loss").asDouble();
        JsonNode resumedBefore = events.stream().filter(e -> e.get("event").asText().equals("eval")).findFirst().orElseThrow();
        assertEquals(firstBefore, resumedBefore.get("loss").asDouble());
        assertEquals(6, events.get(events.size() - 1).get("steps").asInt());

        // Continuing with other settings would silently mix two runs: refused, naming what differs.
        String[] otherLr = concat(common, "--resume", "--lr", "1e-2");
        assertOneLineError(run(otherLr), ExitCodes.BAD_INPUT, "ckpt", "other training settings");
    }

    @Test
    void missingTextFile(@TempDir Path tmp) {
        assertOneLineError(run("finetune", "tiny", "--text", tmp.resolve("nope.txt").toString()), ExitCodes.BAD_INPUT, "nope.txt", "no such file");
    }

    @Test
    void nonUtf8Text(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.txt");
        Files.write(bad, new byte[] {(byte) 0xff, (byte) 0xfe, 'x'});
        assertOneLineError(run("finetune", "tiny", "--text", bad.toString()), ExitCodes.BAD_INPUT, "bad.txt", "UTF-8");
    }

    @Test
    void unknownFlag() {
        assertOneLineError(run("finetune", "tiny", "--text", "x", "--stepz", "3"), ExitCodes.USAGE, "--stepz", "--help");
    }

    @Test
    void unknownPreset(@TempDir Path tmp) throws Exception {
        assertOneLineError(run("finetune", "huge", "--text", sampleText(tmp).toString()), ExitCodes.BAD_INPUT, "huge", "preset");
    }

    @Test
    void pickleRefused(@TempDir Path tmp) throws Exception {
        Path pickle = tmp.resolve("pytorch_model.bin");
        Files.write(pickle, new byte[] {(byte) 0x80, 2});
        assertOneLineError(run("finetune", pickle.toString(), "--text", sampleText(tmp).toString()), ExitCodes.BAD_INPUT, "pytorch_model.bin", "safetensors");
    }

    @Test
    void malformedConfig(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ckpt"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\", \"n_embd\": ");
        assertOneLineError(run("finetune", dir.toString(), "--text", sampleText(tmp).toString()), ExitCodes.BAD_INPUT, "config.json", "malformed");
    }

    @Test
    void unsupportedArchitecture(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ckpt"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"mamba\"}");
        assertOneLineError(run("artifacts", "--model", dir.toString(), "--out", tmp.resolve("o").toString()), ExitCodes.BAD_INPUT, "mamba");
    }

    @Test
    void divergenceIsReportedWithStep(@TempDir Path tmp) throws Exception {
        Run r = run("finetune", "tiny", "--text", sampleText(tmp).toString(), "--steps", "5", "--lr", "1e30", "--clip", "1e30",
                "--save", tmp.resolve("never").toString());
        assertOneLineError(r, ExitCodes.DIVERGED, "diverged at step", "last finite loss");
        assertTrue(!Files.exists(tmp.resolve("never/model.safetensors")), "a diverged run must not save");
    }

    @Test
    void noCommandIsAUsageError() {
        assertOneLineError(run(), ExitCodes.USAGE, "demo", "finetune");
    }

    private static List<JsonNode> parse(String jsonLines) throws Exception {
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : jsonLines.strip().split("\n")) {
            out.add(m.readTree(line));
        }
        return out;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
