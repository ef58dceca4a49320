package dev.overtune.text;

import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A checkpoint's {@code tokenizer.json} run by the Hugging Face tokenizers library itself (the Rust
 * implementation, through DJL's binding), so that byte-level BPE (GPT-2, Pythia), SentencePiece-style
 * BPE (Metaspace, byte fallback: Llama-2, Mistral) and {@code Split} pre-tokenizers (Llama-3, OLMo-2)
 * tokenize exactly as they did in training. No special tokens are added: the ids are those of the
 * text alone, as every other overtune tokenizer gives them.
 */
public final class HfTokenizer implements Tokenizer {
    /** The model types of tokenizer.json that the library implements. */
    public static final Set<String> MODEL_TYPES = Set.of("BPE", "Unigram", "WordPiece", "WordLevel");

    static {
        // DJL downloads a native library it does not find in its jar unless offline; the jar ships
        // linux-x86_64's, and nothing may download at run time.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private final String name;
    private final Path file;
    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final OptionalInt endOfText;

    private HfTokenizer(String name, Path file, HuggingFaceTokenizer tokenizer, int vocabSize, OptionalInt endOfText) {
        this.name = name;
        this.file = file;
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.endOfText = endOfText;
    }

    /** Reads a tokenizer.json; a kind the library does not implement, or a file it cannot parse, is refused in one line. */
    public static HfTokenizer read(Path file) {
        JsonNode root = parse(file);
        String kind = root.path("model").path("type").asText("");
        if (!MODEL_TYPES.contains(kind)) {
            throw new IllegalArgumentException(file + ": a tokenizer.json of kind '" + (kind.isEmpty() ? "(no model.type)" : kind)
                    + "' is not supported; supported kinds: " + String.join(", ", MODEL_TYPES.stream().sorted().toList())
                    + " (or pass --tokenizer bytes)");
        }
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false", "truncation", "false",
                    "padding", "false"));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError | EngineException e) {
            throw new IllegalStateException("the Hugging Face tokenizers native library did not load (" + firstLine(e)
                    + "); set RUST_LIBRARY_PATH to a libtokenizers.so, or pass --tokenizer bytes", e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": the Hugging Face tokenizers library cannot read this " + kind
                    + " tokenizer (" + firstLine(e) + ")");
        }
        return new HfTokenizer(nameOf(file), file, hf, vocabSize(root, file), endOfText(root));
    }

    /** The tokenizer.json it was read from. */
    public Path file() {
        return file;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public OptionalInt endOfText() {
        return endOfText;
    }

    @Override
    public int[] encode(String text) {
        // Only the ids cross into Java: the library's Encoding would also copy every token's string and offsets.
        long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, false);
        long[] ids;
        try {
            ids = TokenizersLibrary.LIB.getTokenIds(encoding);
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside " + name + "'s vocabulary of " + vocabSize);
            }
            wide[i] = ids[i];
        }
        return tokenizer.decode(wide, false);
    }

    private static JsonNode parse(Path file) {
        JsonNode root = TokenizerJson.readObject(file);
        if (!root.path("model").isObject()) {
            throw new IllegalArgumentException(file + ": not a tokenizer.json (expected a JSON object with a model)");
        }
        return root;
    }

    /** One more than the largest id in the model's vocabulary and the added tokens. */
    private static int vocabSize(JsonNode root, Path file) {
        JsonNode vocab = root.path("model").path("vocab");
        long max = -1;
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                max = Math.max(max, e.getValue().asLong());
            }
        } else if (vocab.isArray()) {
            max = vocab.size() - 1; // Unigram: [piece, score] pairs, the id is the position
        } else {
            throw new IllegalArgumentException(file + ": model.vocab is missing; not a trained tokenizer");
        }
        for (JsonNode t : root.path("added_tokens")) {
            max = Math.max(max, t.path("id").asLong());
        }
        return Math.toIntExact(max + 1);
    }

    private static OptionalInt endOfText(JsonNode root) {
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText();
            if (content.equals(RankTokenizer.END_OF_TEXT) || content.equals("</s>")) {
                return OptionalInt.of(t.path("id").asInt());
            }
        }
        return OptionalInt.empty();
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static String nameOf(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        return dir == null || dir.getFileName() == null ? file.getFileName().toString() : dir.getFileName() + "/" + file.getFileName();
    }
}
