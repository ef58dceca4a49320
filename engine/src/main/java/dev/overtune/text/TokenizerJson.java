package dev.overtune.text;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a Hugging Face {@code tokenizer.json} holding a byte-level BPE (GPT-2, GPT-NeoX/Pythia
 * style: {@code model.vocab} + {@code model.merges} spelled in {@link ByteLevelAlphabet}) to
 * {@link BpeRanks}, so that the checkpoint's text is tokenized exactly as it was in training.
 *
 * <p>A merge list equals a rank table when each merge makes a token whose id is above those of all
 * earlier merges, and when, among the ways to build the token from lower-ranked pieces, the listed
 * pair is the one rank-BPE picks. Both are checked; a file that fails is refused rather than
 * tokenized slightly differently.
 */
public final class TokenizerJson {
    public static final String FILE = "tokenizer.json";
    private static final JsonMapper JSON = new JsonMapper();

    private TokenizerJson() {}

    public static RankTokenizer read(Path file) {
        return convert(readObject(file), file.toString(), nameOf(file));
    }

    /** The file's JSON object, or one line saying why it is not one (missing, unreadable, not JSON, not an object). */
    static JsonNode readObject(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": not a tokenizer.json (expected a JSON object)");
        }
        return root;
    }


    static RankTokenizer convert(JsonNode root, String source, String name) {
        JsonNode model = root.path("model");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE") || !model.path("vocab").isObject() || !model.path("merges").isArray()) {
            throw new IllegalArgumentException(source + ": model is " + type + " without vocab and merges; only byte-level BPE"
                    + " tokenizers (GPT-2, GPT-NeoX) convert to ranks");
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new IllegalArgumentException(source + ": a byte_fallback BPE (SentencePiece/Llama style) is not byte-level;"
                    + " only GPT-2/GPT-NeoX style tokenizers convert to ranks");
        }
        for (String field : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (!model.path(field).asText("").isEmpty()) {
                throw new IllegalArgumentException(source + ": model." + field + " is set; byte-level BPE has none, so this"
                        + " tokenizer cannot be converted");
            }
        }
        checkPreTokenizer(root.path("pre_tokenizer"), source);
        Normalizer.Form normalization = normalization(root.path("normalizer"), source);

        Map<String, Integer> added = new LinkedHashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            added.put(t.path("content").asText(), t.path("id").asInt());
        }
        Map<Integer, byte[]> byId = new HashMap<>();
        Map<String, Integer> idOfSpelling = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : model.path("vocab").properties()) {
            int id = e.getValue().asInt();
            idOfSpelling.put(e.getKey(), id);
            if (!added.containsValue(id)) {
                byte[] bytes = ByteLevelAlphabet.bytesOf(e.getKey());
                if (bytes == null) {
                    throw new IllegalArgumentException(source + ": vocab entry '" + e.getKey() + "' (id " + id
                            + ") is not spelled in GPT-2's byte alphabet; this is not a byte-level BPE");
                }
                byId.put(id, bytes);
            }
        }

        // Mergeable tokens: the 256 bytes and what the merges make. Other vocab entries are never
        // produced by BPE; giving them ranks would let rank-BPE produce them.
        Map<Integer, byte[]> mergeable = new HashMap<>();
        byId.forEach((id, bytes) -> {
            if (bytes.length == 1) {
                mergeable.put(id, bytes);
            }
        });
        JsonNode merges = model.path("merges");
        int[][] mergeIds = new int[merges.size()][];
        int previous = -1;
        for (int i = 0; i < merges.size(); i++) {
            String[] pair = pair(merges.get(i), source, i);
            Integer left = idOfSpelling.get(pair[0]);
            Integer right = idOfSpelling.get(pair[1]);
            Integer made = idOfSpelling.get(pair[0] + pair[1]);
            if (left == null || right == null || made == null) {
                throw new IllegalArgumentException(source + ": merge " + i + " '" + pair[0] + " " + pair[1]
                        + "' uses or makes a token that is not in model.vocab");
            }
            if (made <= previous) {
                throw new IllegalArgumentException(source + ": merge " + i + " '" + pair[0] + " " + pair[1] + "' makes id " + made
                        + ", not above the previous merge's id " + previous + "; merge order differs from id order, so the"
                        + " merges cannot be expressed as ranks");
            }
            previous = made;
            mergeable.put(made, byId.get(made));
            mergeIds[i] = new int[] {left, right, made};
        }
        BpeRanks ranks = BpeRanks.of(mergeable, source);
        for (int i = 0; i < mergeIds.length; i++) {
            int[] m = mergeIds[i];
            List<byte[]> parts = ranks.merge(ranks.bytes(m[2]), m[2]);
            if (parts.size() != 2 || ranks.rank(parts.get(0)) != m[0] || ranks.rank(parts.get(1)) != m[1]) {
                throw new IllegalArgumentException(source + ": merge " + i + " makes " + BpeRanks.describe(ranks.bytes(m[2]))
                        + " from ids " + m[0] + " + " + m[1] + ", but rank-BPE would build it from "
                        + parts.stream().map(p -> String.valueOf(ranks.rank(p))).toList()
                        + "; this tokenizer cannot be expressed as ranks exactly");
            }
        }
        return new RankTokenizer(name, ranks, RankTokenizer.GPT2_PATTERN, added, normalization);
    }

    private static String[] pair(JsonNode merge, String source, int index) {
        if (merge.isTextual()) {
            String[] parts = merge.textValue().split(" ", -1);
            if (parts.length == 2 && !parts[0].isEmpty() && !parts[1].isEmpty()) {
                return parts;
            }
        } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
            return new String[] {merge.get(0).textValue(), merge.get(1).textValue()};
        }
        throw new IllegalArgumentException(source + ": merge " + index + " is " + merge
                + "; expected \"left right\" or [\"left\", \"right\"]");
    }

    private static void checkPreTokenizer(JsonNode pre, String source) {
        String type = pre.path("type").asText("none");
        if (!type.equals("ByteLevel")) {
            throw new IllegalArgumentException(source + ": pre_tokenizer is " + type + "; only the ByteLevel pre-tokenizer of"
                    + " GPT-2/GPT-NeoX is supported");
        }
        if (pre.path("add_prefix_space").asBoolean(false)) {
            throw new IllegalArgumentException(source + ": pre_tokenizer.add_prefix_space is true, which changes the text"
                    + " before tokenizing; only add_prefix_space false is supported");
        }
        if (!pre.path("use_regex").asBoolean(true)) {
            throw new IllegalArgumentException(source + ": pre_tokenizer.use_regex is false; only GPT-2's regex split is supported");
        }
    }

    private static Normalizer.Form normalization(JsonNode normalizer, String source) {
        if (normalizer.isMissingNode() || normalizer.isNull()) {
            return null;
        }
        String type = normalizer.path("type").asText();
        return switch (type) {
            case "NFC" -> Normalizer.Form.NFC;
            case "NFD" -> Normalizer.Form.NFD;
            case "NFKC" -> Normalizer.Form.NFKC;
            case "NFKD" -> Normalizer.Form.NFKD;
            default -> throw new IllegalArgumentException(source + ": normalizer " + type
                    + " is not supported; only none or a Unicode normal form (NFC, NFD, NFKC, NFKD)");
        };
    }

    private static String nameOf(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        return dir == null || dir.getFileName() == null ? FILE : dir.getFileName() + "/" + FILE;
    }
}
