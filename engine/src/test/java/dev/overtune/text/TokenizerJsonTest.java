package dev.overtune.text;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.overtune.text.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A GPT-2 tokenizer.json, made from r50k and converted back, tokenizes exactly as jtokkit's r50k. */
class TokenizerJsonTest {
    static BpeRanks r50k;
    static ObjectNode gpt2Json;
    static RankTokenizer converted;

    @TempDir Path dir;

    @BeforeAll
    static void build(@TempDir Path shared) {
        r50k = Gpt2TokenizerJson.r50kRanks();
        gpt2Json = Gpt2TokenizerJson.build(r50k, false);
        converted = TokenizerJson.read(Gpt2TokenizerJson.write(gpt2Json, shared.resolve("tokenizer.json")));
    }

    /** Facts of GPT-2's published files, independent of this code: the byte alphabet and the first merges. */
    @Test
    void fixtureSpellsTokensAsGpt2Does() {
        assertEquals("\u0120", ByteLevelAlphabet.spell(new byte[] {' '}));
        assertEquals("\u010a", ByteLevelAlphabet.spell(new byte[] {'\n'}));
        assertEquals("\u0100", ByteLevelAlphabet.spell(new byte[] {0}));
        assertEquals("\u00ff", ByteLevelAlphabet.spell(new byte[] {(byte) 0xff}));
        // GPT-2 numbers its 256 byte tokens in the order of their spelled characters.
        for (int rank = 1; rank < 256; rank++) {
            assertTrue(ByteLevelAlphabet.spell(r50k.bytes(rank - 1)).charAt(0) < ByteLevelAlphabet.spell(r50k.bytes(rank)).charAt(0));
        }
        List<String> first = Gpt2TokenizerJson.merges(r50k).stream().limit(7).map(m -> m[0] + " " + m[1]).toList();
        assertEquals(List.of("\u0120 t", "\u0120 a", "h e", "i n", "r e", "o n", "\u0120t he"), first);
        assertEquals(50000, Gpt2TokenizerJson.merges(r50k).size());
    }

    @Test
    void convertedGpt2MatchesR50kOnTheCorpus() {
        assertEquals(50257, converted.vocabSize());
        assertEquals(50256, converted.endOfText().orElseThrow());
        Gpt2BpeTokenizer reference = new Gpt2BpeTokenizer();
        for (Corpus corpus : Corpus.values()) {
            String text = corpus.text();
            int[] expected = reference.encode(text);
            int[] actual = converted.encode(text);
            assertArrayEquals(expected, actual, corpus.id());
            assertEquals(text, converted.decode(actual), corpus.id());
        }
    }

    @Test
    void mergesAsPairsReadTheSame() {
        RankTokenizer converted = TokenizerJson.read(Gpt2TokenizerJson.write(Gpt2TokenizerJson.build(r50k, true), dir.resolve("tokenizer.json")));
        String text = Corpus.WORDNET_OOD.text();
        assertArrayEquals(new Gpt2BpeTokenizer().encode(text), converted.encode(text));
    }

    @Test
    void addedTokensAreCutOutBeforeBpe() {
        int[] ids = converted.encode("one<|endoftext|>two");
        Gpt2BpeTokenizer reference = new Gpt2BpeTokenizer();
        int[] one = reference.encode("one");
        int[] two = reference.encode("two");
        assertEquals(one.length + 1 + two.length, ids.length);
        assertEquals(50256, ids[one.length]);
        assertEquals("one<|endoftext|>two", converted.decode(ids));
    }

    @Test
    void nfcNormalizerIsApplied() {
        ObjectNode json = gpt2Json.deepCopy();
        json.putObject("normalizer").put("type", "NFC");
        RankTokenizer nfc = TokenizerJson.read(Gpt2TokenizerJson.write(json, dir.resolve("tokenizer.json")));
        String decomposed = "cafe\u0301";
        assertEquals("caf\u00e9", nfc.decode(nfc.encode(decomposed)));
    }

    private Path written(ObjectNode json) {
        return Gpt2TokenizerJson.write(json, dir.resolve("tokenizer.json"));
    }

    @Test
    void mergeOrderThatIsNotIdOrderIsRefused() {
        ObjectNode json = gpt2Json.deepCopy();
        ArrayNode merges = (ArrayNode) json.path("model").path("merges");
        var first = merges.get(0);
        merges.set(0, merges.get(1));
        merges.set(1, first);
        Path file = written(json);
        refused(() -> TokenizerJson.read(file), file.toString(), "merge 1", "cannot be expressed as ranks");
    }

    @Test
    void mergeThatRankBpeWouldNotFormIsRefused() {
        // "Ġthe" is made from "Ġt" + "he"; claiming "Ġ" + "the" is a different tokenizer.
        ObjectNode json = gpt2Json.deepCopy();
        ArrayNode merges = (ArrayNode) json.path("model").path("merges");
        for (int i = 0; i < merges.size(); i++) {
            if (merges.get(i).asText().equals("\u0120t he")) {
                merges.set(i, json.textNode("\u0120 the"));
            }
        }
        Path file = written(json);
        refused(() -> TokenizerJson.read(file), file.toString(), "rank-BPE would build it from");
    }

    @Test
    void unsupportedTokenizersAreRefusedWithTheReason() throws IOException {
        ObjectNode sentencePiece = gpt2Json.deepCopy();
        ((ObjectNode) sentencePiece.path("model")).put("byte_fallback", true);
        Path f1 = written(sentencePiece);
        refused(() -> TokenizerJson.read(f1), f1.toString(), "byte_fallback");

        ObjectNode prefix = gpt2Json.deepCopy();
        ((ObjectNode) prefix.path("pre_tokenizer")).put("add_prefix_space", true);
        Path f2 = written(prefix);
        refused(() -> TokenizerJson.read(f2), "add_prefix_space");

        ObjectNode metaspace = gpt2Json.deepCopy();
        metaspace.putObject("pre_tokenizer").put("type", "Metaspace");
        Path f3 = written(metaspace);
        refused(() -> TokenizerJson.read(f3), "Metaspace");

        ObjectNode wordPiece = gpt2Json.deepCopy();
        ((ObjectNode) wordPiece.path("model")).put("type", "WordPiece");
        Path f4 = written(wordPiece);
        refused(() -> TokenizerJson.read(f4), "WordPiece");

        ObjectNode lowercase = gpt2Json.deepCopy();
        lowercase.putObject("normalizer").put("type", "Lowercase");
        Path f5 = written(lowercase);
        refused(() -> TokenizerJson.read(f5), "Lowercase");

        ObjectNode badSpelling = gpt2Json.deepCopy();
        ((ObjectNode) badSpelling.path("model").path("vocab")).put("\u2581the", 60000);
        Path f6 = written(badSpelling);
        refused(() -> TokenizerJson.read(f6), "\u2581the", "byte alphabet");

        Path notJson = dir.resolve("broken.json");
        Files.writeString(notJson, "{\"model\": ");
        refused(() -> TokenizerJson.read(notJson), notJson.toString(), "not valid JSON");
        refused(() -> TokenizerJson.read(dir.resolve("absent.json")), "no such file");
    }
}
