package dev.overtune.text;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** encode then decode gives back the text, for every built-in tokenizer, on every shipped corpus. */
class TokenizerRoundTripTest {
    @Test
    void everyBuiltInTokenizerRoundTripsEveryCorpus() {
        for (String name : Tokenizers.BUILT_IN) {
            Tokenizer tokenizer = Tokenizers.named(name);
            for (Corpus corpus : Corpus.values()) {
                String text = corpus.text();
                int[] ids = tokenizer.encode(text);
                for (int id : ids) {
                    if (id < 0 || id >= tokenizer.vocabSize()) {
                        throw new AssertionError(name + " produced id " + id + " outside its " + tokenizer.vocabSize() + " ids");
                    }
                }
                assertEquals(text, tokenizer.decode(ids), name + " on " + corpus.id());
            }
        }
    }

    @Test
    void rankTokenizerRoundTripsTextOutsideTheCorpus() {
        RankTokenizer bpe = Tokenizers.wordnetBpe();
        for (String text : List.of("", " ", "\n\n\n", "naïve café — Ω≈ç √ 🙂 ", "tab\tand\r\nCRLF", "\u0000\u0001 control", "x".repeat(5000))) {
            assertEquals(text, bpe.decode(bpe.encode(text)), text);
        }
    }

    @Test
    void shippedVocabularyIsWhatItSays() {
        RankTokenizer bpe = Tokenizers.wordnetBpe();
        assertEquals(Tokenizers.WORDNET_BPE, bpe.name());
        assertEquals(4096, bpe.vocabSize());
        assertTrue(bpe.endOfText().isEmpty());
        // Frequent WordNet words are single tokens.
        assertEquals(1, bpe.encode("noun").length);
        assertEquals(1, bpe.encode(" the").length);
        assertArrayEquals(bpe.encode("x"), new int[] {'x'});
    }
}
