package dev.overtune.pretrain;

import dev.overtune.text.Tokenizer;
import dev.overtune.train.StreamLoss;

import java.util.Arrays;

/**
 * A corpus tokenized into a training stream and a held-out stream for the OOD loss, with the sha256
 * of each (over the token ids as little-endian int32), which is what identifies the data of a
 * series. The held-out text is either split off the corpus or read from its own files.
 *
 * @param split how the held-out stream was cut from the corpus, or null when it came from {@code heldOutSource}
 */
public record PretrainData(String source, int files, String tokenizer, HeldOutSplit split, String heldOutSource,
                           int[] train, int[] heldOut, String trainSha256, String heldOutSha256) {

    /** Holds out evenly spaced chunks of the corpus. */
    public static PretrainData split(TextCorpus corpus, Tokenizer tokenizer, HeldOutSplit split) {
        HeldOutSplit.Split s = split.apply(corpus.tokens(tokenizer));
        return new PretrainData(corpus.source().toString(), corpus.documents().size(), tokenizer.name(), split, corpus.source().toString(),
                s.train(), s.heldOut(), Sha256.of(s.train()), Sha256.of(s.heldOut()));
    }

    /** Trains on all of the corpus and evaluates on separate held-out text of the same distribution. */
    public static PretrainData separate(TextCorpus corpus, TextCorpus heldOut, Tokenizer tokenizer) {
        int[] train = corpus.tokens(tokenizer);
        int[] held = heldOut.tokens(tokenizer);
        return new PretrainData(corpus.source().toString(), corpus.documents().size(), tokenizer.name(), null, heldOut.source().toString(),
                train, held, Sha256.of(train), Sha256.of(held));
    }

    /** Streams that are already token ids (synthetic data): {@code tokenizer} names how they were made. */
    public static PretrainData ofTokens(String source, String tokenizer, int[] train, int[] heldOut) {
        return new PretrainData(source, 1, tokenizer, null, source + " (held out)", train.clone(), heldOut.clone(), Sha256.of(train), Sha256.of(heldOut));
    }

    /**
     * The held-out windows evaluated for each checkpoint, the same for every checkpoint and the same a scan
     * evaluates of this text ({@link StreamLoss#oodWindows}): every full window up to {@link StreamLoss#OOD_MAX_TOKENS}.
     */
    public long evalWindows(int seqLen) {
        return StreamLoss.oodWindows(heldOut.length, seqLen);
    }

    /** Every token id must be a row of the model's embedding. */
    public void requireVocabulary(int vocabSize) {
        int max = Math.max(Arrays.stream(train).max().orElse(0), Arrays.stream(heldOut).max().orElse(0));
        if (max >= vocabSize) {
            throw new IllegalArgumentException(source + ": tokenizer " + tokenizer + " gives token id " + max + " but the model's vocabulary has "
                    + vocabSize + " entries; use a model whose vocab_size fits the tokenizer");
        }
    }

    /** Both streams must hold at least one window of seq + 1 tokens. */
    public void requireWindows(int seqLen) {
        int need = seqLen + 1;
        if (heldOut.length < need || train.length < need) {
            throw new IllegalArgumentException(source + ": " + train.length + " training tokens and " + heldOut.length + " held out (from "
                    + heldOutSource + "); each needs at least " + need + " (--seq-len + 1): give more text, a shorter --seq-len"
                    + (split != null ? " or a larger --ood-fraction" : ""));
        }
    }
}
