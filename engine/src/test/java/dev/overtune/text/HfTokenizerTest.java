package dev.overtune.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.overtune.text.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Hugging Face tokenizers library on tokenizer.json files built here from jtokkit's tiktoken
 * ranks, checked against jtokkit (an independent implementation) on the shipped corpora: byte-level
 * BPE as GPT-2 and Pythia lay it out, and a {@code Split} pre-tokenizer as Llama-3 lays it out.
 */
class HfTokenizerTest {
    /** cl100k's pre-tokenizer regex, which Llama-3's tokenizer.json spells in its Split. */
    static final String CL100K_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    @TempDir Path dir;

    /** The first 200,000 characters of a corpus: every kind of line it has, at a cost a unit test can pay. */
    static String sample(Corpus corpus) {
        String text = corpus.text();
        return text.substring(0, Math.min(text.length(), 200_000));
    }

    @Test
    void byteLevelBpeMatchesR50kOnTheCorpus() {
        HfTokenizer hf = HfTokenizer.read(Gpt2TokenizerJson.write(Gpt2TokenizerJson.build(Gpt2TokenizerJson.r50kRanks(), false),
                dir.resolve("tokenizer.json")));
        assertEquals(50257, hf.vocabSize());
        assertEquals(50256, hf.endOfText().orElseThrow());
        Gpt2BpeTokenizer reference = new Gpt2BpeTokenizer();
        for (Corpus corpus : Corpus.values()) {
            String text = sample(corpus);
            int[] ids = hf.encode(text);
            assertArrayEquals(reference.encode(text), ids, corpus.id());
            assertEquals(text, hf.decode(ids), corpus.id());
        }
    }

    @Test
    void splitPreTokenizerMatchesCl100kOnTheCorpus() {
        ObjectNode json = Gpt2TokenizerJson.buildSplit(Gpt2TokenizerJson.cl100kRanks(), CL100K_REGEX, 100257);
        HfTokenizer hf = HfTokenizer.read(Gpt2TokenizerJson.write(json, dir.resolve("tokenizer.json")));
        assertEquals(100258, hf.vocabSize());
        Encoding cl100k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
        for (Corpus corpus : Corpus.values()) {
            String text = sample(corpus);
            int[] ids = hf.encode(text);
            assertArrayEquals(cl100k.encodeOrdinary(text).toArray(), ids, corpus.id());
            assertEquals(text, hf.decode(ids), corpus.id());
        }
        // Mixed case contractions, digit runs and CRLF are where the Split regex differs from GPT-2's.
        String tricky = "DON'T 1234567 x\r\n\r\n  tabs\tand   spaces";
        assertArrayEquals(cl100k.encodeOrdinary(tricky).toArray(), hf.encode(tricky));
    }

    static final Path SENTENCEPIECE = Path.of("src/test/resources/tokenizers/sentencepiece-bpe");

    /**
     * SentencePiece (C++) ids, written by make_tokenizer_fixtures.py, against the same model as Llama-2
     * lays out its tokenizer.json (Prepend and Replace normalizers, byte fallback): equal on every text.
     */
    @Test
    void llama2LayoutMatchesSentencePiece() throws Exception {
        HfTokenizer hf = HfTokenizer.read(SENTENCEPIECE.resolve("tokenizer-llama2.json"));
        JsonNode expected = new ObjectMapper().readTree(SENTENCEPIECE.resolve("expected.json").toFile());
        assertEquals(expected.get("vocab_size").asInt(), hf.vocabSize());
        int fallbackIds = 0;
        for (int i = 0; i < expected.get("texts").size(); i++) {
            String text = expected.get("texts").get(i).asText();
            int[] want = ids(expected.get("ids").get(i));
            for (int id : want) {
                fallbackIds += id >= 3 && id < 3 + 256 ? 1 : 0; // <0x00>..<0xFF> follow <unk>, <s>, </s>
            }
            int[] ids = hf.encode(text);
            assertArrayEquals(want, ids, text);
            assertEquals(text, hf.decode(ids), "decode of " + text);
        }
        assertTrue(fallbackIds > 0, "the texts exercise byte fallback");
    }

    /**
     * The same model as Mistral lays it out (a Metaspace pre-tokenizer, prepend_scheme "first"): equal
     * to SentencePiece except on a text that starts with a space, where the library (by design) adds
     * no "▁" of its own and SentencePiece's dummy prefix is one more "▁" token.
     */
    @Test
    void metaspaceLayoutMatchesSentencePieceButForLeadingSpace() throws Exception {
        HfTokenizer hf = HfTokenizer.read(SENTENCEPIECE.resolve("tokenizer.json"));
        JsonNode expected = new ObjectMapper().readTree(SENTENCEPIECE.resolve("expected.json").toFile());
        int metaspace = hf.encode(" ")[0]; // "\u2581" alone
        int leading = 0;
        for (int i = 0; i < expected.get("texts").size(); i++) {
            String text = expected.get("texts").get(i).asText();
            int[] want = ids(expected.get("ids").get(i));
            if (text.startsWith(" ")) {
                leading++;
                assertEquals(metaspace, want[0], text);
                want = java.util.Arrays.copyOfRange(want, 1, want.length);
            }
            assertArrayEquals(want, hf.encode(text), text);
        }
        assertTrue(leading > 0, "the texts include one that starts with a space");
    }

    private static int[] ids(JsonNode array) {
        int[] out = new int[array.size()];
        for (int j = 0; j < out.length; j++) {
            out[j] = array.get(j).asInt();
        }
        return out;
    }

    @Test
    void unsupportedKindIsRefusedInOneLineNamingKindAndFile() throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"model\": {\"type\": \"CharLevel\", \"vocab\": {\"a\": 0}}}");
        refused(() -> HfTokenizer.read(file), file.toString(), "'CharLevel'", "not supported");
        Files.writeString(file, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []},"
                + " \"pre_tokenizer\": {\"type\": \"NoSuchPreTokenizer\"}}");
        refused(() -> HfTokenizer.read(file), file.toString(), "cannot read");
        Files.writeString(file, "[1, 2]");
        refused(() -> HfTokenizer.read(file), file.toString(), "not a tokenizer.json");
    }
}
