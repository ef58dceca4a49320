package dev.overtune.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.overtune.text.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** A checkpoint directory's tokenizer file wins over guessing from the vocabulary size. */
class TokenizersTest {
    @TempDir Path dir;

    @Test
    void rankFileInCheckpointIsUsed() {
        Tokenizers.writeRanks(Tokenizers.wordnetBpe(), dir);
        Tokenizer t = Tokenizers.forCheckpoint(dir, 4096);
        String text = "hypernym (noun): a word that is more generic than a given word.";
        assertArrayEquals(Tokenizers.wordnetBpe().encode(text), t.encode(text));
        refused(() -> Tokenizers.forCheckpoint(dir, 512), "4096 ids", "512", "does not belong");
    }

    @Test
    void tokenizerJsonWinsOverRankFile() {
        Tokenizers.writeRanks(Tokenizers.wordnetBpe(), dir);
        Gpt2TokenizerJson.write(Gpt2TokenizerJson.build(Gpt2TokenizerJson.r50kRanks(), false), dir.resolve(TokenizerJson.FILE));
        Tokenizer t = Tokenizers.forCheckpoint(dir, 50257);
        assertEquals(50257, t.vocabSize());
        assertArrayEquals(new Gpt2BpeTokenizer().encode("the Jargon File"), t.encode("the Jargon File"));
    }

    @Test
    void withoutFilesOnlyBytesAndGpt2AreInferred() {
        assertInstanceOf(ByteTokenizer.class, Tokenizers.forCheckpoint(dir, 256));
        assertInstanceOf(Gpt2BpeTokenizer.class, Tokenizers.forCheckpoint(dir, 50257));
        // A 32,000-entry Llama checkpoint without its tokenizer.json used to be scored as bytes.
        refused(() -> Tokenizers.forCheckpoint(dir, 32000), dir.toString(), "32000", "tokenizer.json", "--tokenizer bytes");
    }

    @Test
    void tokenizerOptionNamesABuiltInAFileOrTheCheckpoint() {
        assertInstanceOf(ByteTokenizer.class, Tokenizers.resolve("bytes", dir, 32000));
        assertInstanceOf(ByteTokenizer.class, Tokenizers.resolve(null, null, 512));
        Path json = Gpt2TokenizerJson.write(Gpt2TokenizerJson.build(Gpt2TokenizerJson.r50kRanks(), false), dir.resolve("gpt2.json"));
        assertInstanceOf(HfTokenizer.class, Tokenizers.resolve(json.toString(), null, 50304));
        refused(() -> Tokenizers.resolve(json.toString(), null, 32000), "50257 ids", "32000");
        refused(() -> Tokenizers.resolve("nope", null, 512), "nope", "bytes");
    }

    @Test
    void badRankFileInCheckpointIsNamed() throws IOException {
        Files.writeString(dir.resolve(Tokenizers.RANKS_FILE), "QQ== 65\nbroken\n");
        refused(() -> Tokenizers.forCheckpoint(dir, 4096), Tokenizers.RANKS_FILE + ":2");
    }

    @Test
    void builtInsByName() {
        assertEquals("bytes", Tokenizers.named("bytes").name());
        assertEquals(Tokenizers.WORDNET_BPE, Tokenizers.named(Tokenizers.WORDNET_BPE).name());
        refused(() -> Tokenizers.named("llama3"), "llama3", "wordnet-bpe-4096", "tokenizer.json");
    }

    @Test
    void rankFileCannotHoldAddedTokens() {
        RankTokenizer withAdded = new RankTokenizer("x", Tokenizers.wordnetBpe().ranks(), RankTokenizer.GPT2_PATTERN,
                java.util.Map.of("<|endoftext|>", 4096), null);
        assertEquals(4097, withAdded.vocabSize());
        refused(() -> Tokenizers.writeRanks(withAdded, dir), "added tokens", "tokenizer.json");
    }
}
