package dev.overtune.text;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Path;

/** Reads already-tokenized input: a JSON array of token ids, each checked against the model's vocabulary. */
public final class TokenIdFiles {
    private static final JsonMapper JSON = new JsonMapper();
    private static final String EXPECTED = "give a JSON array of token ids such as [464, 2068, 7586]";

    private TokenIdFiles() {}

    public static int[] read(Path file, int vocabSize) {
        byte[] bytes = TextFiles.readBytes(file);
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getOriginalMessage() + "); " + EXPECTED);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException(file + ": not a JSON array; " + EXPECTED);
        }
        int[] ids = new int[root.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode v = root.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                String shown = v.toString();
                throw new IllegalArgumentException(file + ": element " + i + " is " + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown)
                        + ", not an integer token id; " + EXPECTED);
            }
            ids[i] = v.intValue();
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException(file + ": token id " + ids[i] + " at index " + i + " is outside the model's vocabulary of "
                        + vocabSize + " (ids 0.." + (vocabSize - 1) + "); were these ids made with another tokenizer?");
            }
        }
        return ids;
    }
}
