package dev.overtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.text.ByteTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static dev.overtune.cli.MainTest.assertOneLineError;
import static dev.overtune.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code overtune eval} on a saved tiny checkpoint: both inputs agree, the numbers are consistent, bad inputs fail in one line. */
class EvalCommandTest {
    static final String TEXT = "The quick brown fox jumps over the lazy dog. ".repeat(4); // 180 bytes: three 64-token windows, the last partial

    @TempDir static Path tmp;
    static Path checkpoint;
    static Path textFile;
    static Path idsFile;

    @BeforeAll
    static void writeInputs() throws Exception {
        checkpoint = TinyCheckpoint.write(tmp.resolve("ckpt"), 7);
        textFile = Files.writeString(tmp.resolve("text.txt"), TEXT);
        int[] ids = new ByteTokenizer().encode(TEXT);
        idsFile = Files.writeString(tmp.resolve("ids.json"), Arrays.stream(ids).mapToObj(String::valueOf).collect(Collectors.joining(", ", "[", "]")));
    }

    private static JsonNode evalJson(String... extra) throws Exception {
        String[] args = new String[extra.length + 4];
        args[0] = "eval";
        args[1] = checkpoint.toString();
        System.arraycopy(extra, 0, args, 2, extra.length);
        args[extra.length + 2] = "--format";
        args[extra.length + 3] = "json";
        MainTest.Run r = run(args);
        assertEquals(ExitCodes.OK, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void textAndTokenIdsGiveTheSameConsistentScores() throws Exception {
        JsonNode fromText = evalJson("--text", textFile.toString());
        JsonNode fromIds = evalJson("--token-ids", idsFile.toString());
        int n = TEXT.length();
        assertEquals(n - 1, fromText.get("tokens").asLong());
        assertEquals(n - 1, fromText.get("token_logprobs").size());
        assertEquals(fromText.get("token_logprobs"), fromIds.get("token_logprobs"));
        assertEquals(fromText.get("loss").asDouble(), fromIds.get("loss").asDouble());

        double sum = 0;
        for (JsonNode lp : fromText.get("token_logprobs")) {
            assertTrue(lp.asDouble() < 0, "a log-probability below 0: " + lp);
            sum += lp.asDouble();
        }
        double loss = fromText.get("loss").asDouble();
        assertEquals(-sum / (n - 1), loss, 1e-5, "the loss is the mean negative log-likelihood of the listed tokens");
        assertEquals(Math.exp(loss), fromText.get("perplexity").asDouble(), 1e-9 * Math.exp(loss));
        // A randomly initialised model is near uniform over its 512 ids.
        assertEquals(Math.log(TinyCheckpoint.MODEL.vocabSize()), loss, 0.5);
    }

    @Test
    void batchingDoesNotChangeTheScores() throws Exception {
        JsonNode one = evalJson("--text", textFile.toString(), "--seq-len", "32");
        JsonNode four = evalJson("--text", textFile.toString(), "--seq-len", "32", "--batch", "4");
        assertEquals(32, four.get("seq_len").asInt());
        assertEquals(one.get("loss").asDouble(), four.get("loss").asDouble(), 1e-6);
        for (int i = 0; i < TEXT.length() - 1; i++) {
            assertEquals(one.get("token_logprobs").get(i).asDouble(), four.get("token_logprobs").get(i).asDouble(), 1e-5, "token " + i);
        }
        JsonNode longer = evalJson("--text", textFile.toString(), "--seq-len", "64");
        assertTrue(Math.abs(longer.get("loss").asDouble() - one.get("loss").asDouble()) > 1e-6,
                "longer windows condition on more context, so the scores must differ");
    }

    @Test
    void textOutputIsASummaryAndOptionallyEveryToken() {
        MainTest.Run plain = run("eval", checkpoint.toString(), "--text", textFile.toString());
        assertEquals(ExitCodes.OK, plain.code(), plain.err());
        assertEquals(1, plain.out().strip().lines().count(), plain.out());
        assertTrue(plain.out().contains("loss ") && plain.out().contains("perplexity ") && plain.out().contains("179 tokens scored"), plain.out());

        MainTest.Run perToken = run("eval", checkpoint.toString(), "--text", textFile.toString(), "--per-token");
        assertEquals(ExitCodes.OK, perToken.code(), perToken.err());
        String[] lines = perToken.out().strip().split("\n");
        assertEquals(1 + 1 + TEXT.length() - 1, lines.length);
        assertTrue(lines[2].matches("\\s+1\\s+104\\s+\"h\"\\s+-\\d+\\.\\d{4}"), lines[2]);
    }

    @Test
    void badTokenIdFilesAreOneLineErrorsNamingTheFile() throws Exception {
        Path outOfVocab = Files.writeString(tmp.resolve("big.json"), "[1, 2, 3, 600, 4]");
        assertOneLineError(run("eval", checkpoint.toString(), "--token-ids", outOfVocab.toString()), ExitCodes.BAD_INPUT,
                "big.json", "token id 600 at index 3", "vocabulary of 512");
        Path negative = Files.writeString(tmp.resolve("neg.json"), "[1, -1]");
        assertOneLineError(run("eval", checkpoint.toString(), "--token-ids", negative.toString()), ExitCodes.BAD_INPUT, "neg.json", "token id -1");
        Path malformed = Files.writeString(tmp.resolve("malformed.json"), "[1, 2,");
        assertOneLineError(run("eval", checkpoint.toString(), "--token-ids", malformed.toString()), ExitCodes.BAD_INPUT,
                "malformed.json", "not valid JSON", "JSON array of token ids");
        Path object = Files.writeString(tmp.resolve("object.json"), "{\"ids\": [1, 2]}");
        assertOneLineError(run("eval", checkpoint.toString(), "--token-ids", object.toString()), ExitCodes.BAD_INPUT, "object.json", "not a JSON array");
        Path strings = Files.writeString(tmp.resolve("strings.json"), "[1, \"two\"]");
        assertOneLineError(run("eval", checkpoint.toString(), "--token-ids", strings.toString()), ExitCodes.BAD_INPUT,
                "strings.json", "element 1 is \"two\"");
        Path single = Files.writeString(tmp.resolve("single.json"), "[5]");
        assertOneLineError(run("eval", checkpoint.toString(), "--token-ids", single.toString()), ExitCodes.BAD_INPUT, "single.json", "at least 2");
        assertOneLineError(run("eval", checkpoint.toString(), "--token-ids", tmp.resolve("absent.json").toString()), ExitCodes.BAD_INPUT,
                "absent.json", "no such file");
    }

    @Test
    void badTextCheckpointAndFlagsAreRefused() throws Exception {
        assertOneLineError(run("eval", checkpoint.toString(), "--text", tmp.resolve("absent.txt").toString()), ExitCodes.BAD_INPUT,
                "absent.txt", "no such file");
        assertOneLineError(run("eval", tmp.resolve("no-ckpt").toString(), "--text", textFile.toString()), ExitCodes.BAD_INPUT,
                "no-ckpt", "no such directory");
        Path pickle = Files.write(tmp.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        assertOneLineError(run("eval", pickle.toString(), "--text", textFile.toString()), ExitCodes.BAD_INPUT, "pytorch_model.bin", "pickle");
        assertOneLineError(run("eval", checkpoint.toString(), "--text", textFile.toString(), "--seq-len", "65"), ExitCodes.BAD_INPUT,
                "--seq-len 65", "context of 64");
        assertOneLineError(run("eval", checkpoint.toString()), ExitCodes.USAGE, "--text", "--token-ids");
        assertOneLineError(run("eval", checkpoint.toString(), "--text", textFile.toString(), "--token-ids", idsFile.toString()),
                ExitCodes.USAGE, "mutually exclusive");
    }
}
