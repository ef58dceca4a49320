package dev.overtune.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * The tokenizer of a checkpoint directory: its {@code tokenizer.json} (byte-level BPE), else its
     * {@code tokenizer.tiktoken} rank file, else the built-in that fits the vocabulary size
     * ({@link Tokenizer#forVocab}). A tokenizer with more ids than the model has rows is refused.
     */
    public static Tokenizer forCheckpoint(Path dir, int modelVocabSize) {
        Tokenizer tokenizer;
        if (Files.exists(dir.resolve(TokenizerJson.FILE))) {
            tokenizer = TokenizerJson.read(dir.resolve(TokenizerJson.FILE));
        } else if (Files.exists(dir.resolve(RANKS_FILE))) {
            tokenizer = RankTokenizer.of(dir.getFileName() + "/" + RANKS_FILE, BpeRanks.read(dir.resolve(RANKS_FILE)));
        } else {
            return Tokenizer.forVocab(modelVocabSize);
        }
        if (tokenizer.vocabSize() > modelVocabSize) {
            throw new IllegalArgumentException(dir + ": the tokenizer has " + tokenizer.vocabSize() + " ids but the model's"
                    + " vocabulary only " + modelVocabSize + "; the tokenizer file does not belong to this checkpoint");
        }
        return tokenizer;
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
