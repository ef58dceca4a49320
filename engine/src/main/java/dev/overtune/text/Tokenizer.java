package dev.overtune.text;

import java.util.OptionalInt;

/** Text to token ids and back. */
public interface Tokenizer {
    String name();

    int vocabSize();

    int[] encode(String text);

    String decode(int[] ids);

    /** The id that separates documents, where the vocabulary has one (GPT-2's {@code <|endoftext|>}). */
    default OptionalInt endOfText() {
        return OptionalInt.empty();
    }

    /**
     * The tokenizer that fits a model's vocabulary: GPT-2's r50k BPE for 50257-entry vocabularies,
     * UTF-8 bytes for vocabularies of 256 to 50256 (tiny models trained by overtune itself).
     */
    static Tokenizer forVocab(int vocabSize) {
        if (vocabSize == Gpt2BpeTokenizer.VOCAB_SIZE) {
            return new Gpt2BpeTokenizer();
        }
        if (vocabSize >= ByteTokenizer.VOCAB_SIZE && vocabSize < Gpt2BpeTokenizer.VOCAB_SIZE) {
            return new ByteTokenizer();
        }
        throw new IllegalArgumentException("no built-in tokenizer fits a vocabulary of " + vocabSize
                + " (bytes need >= 256; GPT-2 BPE needs exactly 50257)");
    }
}
