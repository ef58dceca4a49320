package dev.overtune.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Finds the tokenizer a checkpoint was trained with, and names the built-in ones. */
public final class Tokenizers {
    /** A rank file in a checkpoint directory: what overtune writes beside the weights of models it trains. */
    public static final String RANKS_FILE = "tokenizer.tiktoken";
    /** The byte-level BPE learnt by {@link BpeTrainer} on {@link Corpus#WORDNET_PRETRAIN}. */
    public static final String WORDNET_BPE = "wordnet-bpe-4096";
    public static final List<String> BUILT_IN = List.of(ByteTokenizer.NAME, Gpt2BpeTokenizer.NAME, WORDNET_BPE);

    private Tokenizers() {}

    public static Tokenizer named(String name) {
        return switch (name) {
            case ByteTokenizer.NAME -> new ByteTokenizer();
            case Gpt2BpeTokenizer.NAME -> new Gpt2BpeTokenizer();
            case WORDNET_BPE -> wordnetBpe();
            default -> throw new IllegalArgumentException("no tokenizer named '" + name + "'; built in: " + BUILT_IN
                    + ", or give a checkpoint directory with " + TokenizerJson.FILE + " or " + RANKS_FILE);
        };
    }

    /** The shipped vocabulary (4096 ranks), so that nothing has to be trained before a demo. */
    public static RankTokenizer wordnetBpe() {
        return Shipped.WORDNET;
    }

    /**
     * The tokenizer of a checkpoint directory: its {@code tokenizer.json} (run by the Hugging Face
     * tokenizers library, {@link HfTokenizer}), else its {@code tokenizer.tiktoken} rank file, else
     * UTF-8 bytes for a 256-entry vocabulary or GPT-2's r50k for a 50,257-entry one. Any other
     * vocabulary without a tokenizer file is refused rather than scored as bytes; so is a tokenizer
     * with more ids than the model has rows.
     */
    public static Tokenizer forCheckpoint(Path dir, int modelVocabSize) {
        Tokenizer tokenizer;
        if (Files.exists(dir.resolve(TokenizerJson.FILE))) {
            tokenizer = HfTokenizer.read(dir.resolve(TokenizerJson.FILE));
        } else if (Files.exists(dir.resolve(RANKS_FILE))) {
            tokenizer = RankTokenizer.of(dir.getFileName() + "/" + RANKS_FILE, BpeRanks.read(dir.resolve(RANKS_FILE)));
        } else if (modelVocabSize == ByteTokenizer.VOCAB_SIZE || modelVocabSize == Gpt2BpeTokenizer.VOCAB_SIZE) {
            return Tokenizer.forVocab(modelVocabSize);
        } else {
            throw new IllegalArgumentException(dir + ": no " + TokenizerJson.FILE + " or " + RANKS_FILE + " beside the weights, and"
                    + " the model's vocabulary of " + modelVocabSize + " is not UTF-8 bytes (256); copy the run's tokenizer.json into"
                    + " the checkpoint directory, or pass --tokenizer bytes or --tokenizer FILE");
        }
        return checked(tokenizer, modelVocabSize, dir.toString());
    }

    /**
     * What a {@code --tokenizer} option names: a built-in ({@link #BUILT_IN}), a tokenizer.json or
     * .tiktoken file, or a directory holding one; null means the checkpoint's own (or, for a preset
     * with no checkpoint, the built-in that fits its vocabulary).
     */
    public static Tokenizer resolve(String spec, Path checkpointDir, int modelVocabSize) {
        if (spec == null) {
            return checkpointDir != null ? forCheckpoint(checkpointDir, modelVocabSize) : Tokenizer.forVocab(modelVocabSize);
        }
        if (BUILT_IN.contains(spec)) {
            return checked(named(spec), modelVocabSize, spec);
        }
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) {
            return forCheckpoint(p, modelVocabSize);
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("--tokenizer " + spec + ": neither a built-in tokenizer " + BUILT_IN
                    + " nor an existing tokenizer.json, .tiktoken file or checkpoint directory");
        }
        Tokenizer t = p.getFileName().toString().endsWith(".json")
                ? HfTokenizer.read(p)
                : RankTokenizer.of(p.getFileName().toString(), BpeRanks.read(p));
        return checked(t, modelVocabSize, spec);
    }

    private static Tokenizer checked(Tokenizer tokenizer, int modelVocabSize, String where) {
        if (tokenizer.vocabSize() > modelVocabSize) {
            throw new IllegalArgumentException(where + ": the tokenizer has " + tokenizer.vocabSize() + " ids but the model's"
                    + " vocabulary only " + modelVocabSize + "; the tokenizer file does not belong to this checkpoint");
        }
        return tokenizer;
    }

    /**
     * Writes the file a checkpoint directory needs for {@link #forCheckpoint} to find this tokenizer:
     * tokenizer.json for bytes, a rank file for a rank BPE; GPT-2's r50k needs none (its vocabulary
     * size names it).
     */
    public static void writeInto(Tokenizer tokenizer, Path dir) {
        switch (tokenizer) {
            case ByteTokenizer b -> ByteTokenizer.writeTokenizerJson(dir.resolve(TokenizerJson.FILE));
            case RankTokenizer r -> writeRanks(r, dir);
            case HfTokenizer h -> copy(h.file(), dir.resolve(TokenizerJson.FILE));
            case Gpt2BpeTokenizer g -> { }
            default -> throw new IllegalArgumentException(tokenizer.name() + " cannot be written into a checkpoint directory");
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    /** Writes a tokenizer's ranks into a checkpoint directory, where {@link #forCheckpoint} finds them. */
    public static void writeRanks(RankTokenizer tokenizer, Path dir) {
        if (!tokenizer.addedTokens().isEmpty()) {
            throw new IllegalArgumentException(tokenizer.name() + " has added tokens, which a rank file cannot hold;"
                    + " keep its tokenizer.json instead");
        }
        tokenizer.ranks().write(dir.resolve(RANKS_FILE));
    }

    /** Loaded on first use: reading 4096 ranks is cheap, but not free at class-load time. */
    private static final class Shipped {
        static final RankTokenizer WORDNET = load(WORDNET_BPE, Corpus.RESOURCE_DIR + WORDNET_BPE + ".tiktoken");

        static RankTokenizer load(String name, String resource) {
            try (InputStream in = Tokenizers.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException(resource + ": not on the classpath; rebuild the engine jar");
                }
                return RankTokenizer.of(name, BpeRanks.read(in, resource));
            } catch (IOException e) {
                throw new UncheckedIOException(resource + ": cannot read (" + e.getMessage() + ")", e);
            }
        }
    }
}
