package dev.overtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static dev.overtune.cli.MainTest.assertOneLineError;
import static dev.overtune.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code overtune pretrain} on the shipped sample text with the tiny preset, 4 x 32 = 128 tokens per step. */
class PretrainCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static String[] pretrain(Path corpus, Path out, String budgets, String... more) {
        List<String> args = new ArrayList<>(List.of("pretrain", "--model", "tiny", "--corpus", corpus.toString(), "--budgets", budgets,
                "--out", out.toString(), "--batch", "4", "--seq-len", "32", "--threads", "2"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** The sample text as a corpus directory: one plain file and one gzipped. */
    static Path corpusDir(Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("corpus"));
        String text = DemoCommand.sampleText();
        int half = text.indexOf('\n', text.length() / 2) + 1;
        Files.writeString(dir.resolve("a.txt"), text.substring(0, half));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("b.txt.gz")))) {
            out.write(text.substring(half).getBytes(StandardCharsets.UTF_8));
        }
        return dir;
    }

    static JsonNode series(Path out) throws Exception {
        return JSON.readTree(Files.readString(out.resolve("series.json")));
    }

    @Test
    void writesASeriesWithJsonEvents(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("series");
        MainTest.Run r = run(pretrain(corpusDir(tmp), out, "4K,8K", "--schedule", "wsd", "--format", "json"));
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<JsonNode> events = new ArrayList<>();
        for (String line : r.out().strip().split("\n")) {
            events.add(JSON.readTree(line));
        }
        assertEquals(List.of("start", "checkpoint", "checkpoint", "done"), events.stream().map(e -> e.get("event").asText()).toList());
        assertEquals("tokens-8K", events.get(2).get("name").asText());
        assertEquals(62, events.get(2).get("step").asLong());
        JsonNode s = series(out);
        assertEquals("wsd", s.get("schedule").asText());
        assertEquals(2, s.get("data").get("files").asInt());
        assertEquals(events.get(2).get("sha256").asText(), s.get("checkpoints").get(1).get("sha256").get("model.safetensors").asText());
        assertTrue(Files.exists(out.resolve("tokens-4K/config.json")) && Files.exists(out.resolve("tokens-4K/model.safetensors")));
        assertTrue(r.err().contains("pretrain: done"), "progress goes to stderr: " + r.err());
    }

    @Test
    void emptyCorpusDirectory(@TempDir Path tmp) throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertOneLineError(run(pretrain(empty, tmp.resolve("s"), "4K")), ExitCodes.BAD_INPUT, "empty", "no .txt");
    }

    @Test
    void nonUtf8CorpusFile(@TempDir Path tmp) throws Exception {
        Path dir = corpusDir(tmp);
        Files.write(dir.resolve("c.txt"), new byte[] {'n', 'a', (byte) 0xef, 'v', 'e'});
        assertOneLineError(run(pretrain(dir, tmp.resolve("s"), "4K")), ExitCodes.BAD_INPUT, "c.txt", "not UTF-8");
    }

    @Test
    void budgetsMustIncrease(@TempDir Path tmp) throws Exception {
        assertOneLineError(run(pretrain(corpusDir(tmp), tmp.resolve("s"), "8K,4K")), ExitCodes.USAGE, "--budgets", "4K follows 8K");
        assertOneLineError(run(pretrain(corpusDir(tmp), tmp.resolve("s"), "4K,lots")), ExitCodes.USAGE, "--budgets", "'lots'");
        assertFalse(Files.exists(tmp.resolve("s")), "nothing is written for bad flags");
    }

    @Test
    void flagsThePlanCannotUse(@TempDir Path tmp) throws Exception {
        Path corpus = corpusDir(tmp);
        assertOneLineError(run(pretrain(corpus, tmp.resolve("s"), "100,4K")), ExitCodes.USAGE, "less than one step");
        assertOneLineError(run(with(pretrain(corpus, tmp.resolve("s"), "4K"), "--seq-len", "128")), ExitCodes.USAGE, "--seq-len 128", "context of 64");
        assertOneLineError(run(pretrain(corpus, tmp.resolve("s"), "4K", "--decay-fraction", "1.5")), ExitCodes.USAGE, "--decay-fraction");
        assertOneLineError(run(pretrain(corpus, tmp.resolve("s"), "4K", "--schedule", "cosine")), ExitCodes.USAGE, "--schedule", "cosine");
        assertOneLineError(run(pretrain(corpus, tmp.resolve("s"), "4K", "--ood", corpus.toString(), "--ood-fraction", "0.1")), ExitCodes.USAGE,
                "--ood and --ood-fraction");
        assertOneLineError(run(pretrain(corpus, tmp.resolve("s"), "4K", "--ood-fraction", "0.9")), ExitCodes.USAGE, "--ood-fraction", "0.9");
    }

    @Test
    void unknownPreset(@TempDir Path tmp) throws Exception {
        assertOneLineError(run(with(pretrain(corpusDir(tmp), tmp.resolve("s"), "4K"), "--model", "huge")), ExitCodes.BAD_INPUT, "'huge'", "preset");
    }

    @Test
    void outDirectoryHoldingAnotherSeries(@TempDir Path tmp) throws Exception {
        Path corpus = corpusDir(tmp);
        Path out = tmp.resolve("s");
        MainTest.Run first = run(pretrain(corpus, out, "4K"));
        assertEquals(ExitCodes.OK, first.code(), first.err());
        assertOneLineError(run(pretrain(corpus, out, "4K", "--lr", "1e-3", "--resume")), ExitCodes.USAGE, "--lr was 0.003 there, 0.001 now");
        assertOneLineError(run(pretrain(corpus, out, "4K")), ExitCodes.USAGE, "already holds this series", "--resume");
        MainTest.Run again = run(pretrain(corpus, out, "4K", "--resume"));
        assertEquals(ExitCodes.OK, again.code(), again.err());
    }

    /** A real process killed with SIGKILL part-way, then resumed, ends with the same bytes as a run never stopped. */
    @Test
    void killedProcessResumesBitIdentical(@TempDir Path tmp) throws Exception {
        Path corpus = corpusDir(tmp);
        String[] flags = {"--schedule", "wsd", "--state-every", "20"};
        Path killed = tmp.resolve("killed");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(pretrain(corpus, killed, "12K,24K", flags)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path state = killed.resolve(".state/current/trainer_state.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(state) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        child.destroyForcibly().waitFor();
        assertTrue(Files.exists(state), "the child never saved a state: " + Files.readString(tmp.resolve("child.log")));
        assertFalse(series(killed).get("complete").asBoolean(), "killed before it finished");

        MainTest.Run resumed = run(pretrain(corpus, killed, "12K,24K", concat(flags, "--resume")));
        assertEquals(ExitCodes.OK, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resumed at step"), resumed.out());
        Path straight = tmp.resolve("straight");
        MainTest.Run whole = run(pretrain(corpus, straight, "12K,24K", flags));
        assertEquals(ExitCodes.OK, whole.code(), whole.err());
        assertEquals(series(straight).get("checkpoints"), series(killed).get("checkpoints"));
    }

    /** The arguments with one flag's value replaced. */
    private static String[] with(String[] args, String flag, String value) {
        String[] out = args.clone();
        out[List.of(out).indexOf(flag) + 1] = value;
        return out;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
