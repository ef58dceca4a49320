package dev.overtune.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.overtune.text.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTrainerTest {
    @TempDir Path dir;

    private static String token(BpeRanks ranks, int rank) {
        return new String(ranks.bytes(rank), StandardCharsets.UTF_8);
    }

    @Test
    void mergesTheMostFrequentPairFirst() {
        // " low" x5, " lower" x2, " newest" x6, " widest" x3 (the classic BPE example, with GPT-2's leading spaces).
        String text = " low".repeat(5) + " lower".repeat(2) + " newest".repeat(6) + " widest".repeat(3);
        BpeRanks ranks = BpeTrainer.train(text, 256 + 4);
        assertEquals(260, ranks.size());
        // "es" and "st" both occur 9 times; "es" wins the tie by its lower left rank ('e' < 's').
        assertEquals("es", token(ranks, 256));
        assertEquals("est", token(ranks, 257));
        // Then three pairs of 7: ' '+'l' wins on its left rank; of the remaining ' l'+'o' and 'o'+'w', 'o' (111) < ' l' (258).
        assertEquals(" l", token(ranks, 258));
        assertEquals("ow", token(ranks, 259));
    }

    @Test
    void stopsWhenNoPairRepeats() {
        BpeRanks ranks = BpeTrainer.train("abcdefg", 1000);
        assertEquals(256, ranks.size());
    }

    @Test
    void tooSmallVocabularyIsRefused() {
        refused(() -> BpeTrainer.train("abc", 100), "256", "100");
    }

    @Test
    void everyLearntTokenIsTheMergeOfTwoLowerRanks() {
        BpeRanks ranks = Tokenizers.wordnetBpe().ranks();
        for (Map.Entry<Integer, byte[]> e : ranks.tokens().entrySet()) {
            if (e.getValue().length > 1) {
                List<byte[]> parts = ranks.merge(e.getValue(), e.getKey());
                assertEquals(2, parts.size(), "rank " + e.getKey() + " " + BpeRanks.describe(e.getValue()));
            }
        }
    }

    /** The shipped vocabulary is what training on the shipped corpus gives: it can be regenerated, and training is deterministic. */
    @Test
    void shippedVocabularyIsReproducedFromTheCorpus() throws IOException {
        BpeRanks trained = BpeTrainer.train(Corpus.WORDNET_PRETRAIN.text(), 4096);
        Path file = dir.resolve("trained.tiktoken");
        trained.write(file);
        byte[] shipped;
        try (InputStream in = Tokenizers.class.getResourceAsStream(Corpus.RESOURCE_DIR + Tokenizers.WORDNET_BPE + ".tiktoken")) {
            shipped = in.readAllBytes();
        }
        assertArrayEquals(shipped, java.nio.file.Files.readAllBytes(file),
                "shipped ranks differ from training on wordnet-pretrain; regenerate them (see corpus/README.md)");
        assertEquals(4096, trained.size());
        assertTrue(Tokenizers.wordnetBpe().encode(Corpus.WORDNET_OOD.text()).length * 3L < Corpus.WORDNET_OOD.text().length(),
                "the learnt vocabulary should compress held-out text of its distribution to under 1/3 of its bytes");
    }
}
