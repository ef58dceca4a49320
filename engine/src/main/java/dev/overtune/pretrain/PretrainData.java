package dev.overtune.pretrain;

import dev.overtune.text.TokenWindows;
import dev.overtune.text.Tokenizer;

/**
 * A corpus tokenized and split: the training stream, the held-out stream, and the sha256 of each
 * (over the token ids as little-endian int32), which is what identifies the data of a series.
 */
public record PretrainData(String source, int files, String tokenizer, HeldOutSplit split, int[] train, int[] heldOut,
                           String trainSha256, String heldOutSha256) {

    public static PretrainData prepare(Corpus corpus, Tokenizer tokenizer, HeldOutSplit split) {
        HeldOutSplit.Split s = split.apply(corpus.tokens(tokenizer));
        return new PretrainData(corpus.source().toString(), corpus.documents().size(), tokenizer.name(), split, s.train(), s.heldOut(),
                Sha256.of(s.train()), Sha256.of(s.heldOut()));
    }

    /** Held-out evaluation reads at most this many tokens, the same windows for every checkpoint. */
    public static final long MAX_EVAL_TOKENS = 1 << 17;

    /** The held-out batches evaluated for each checkpoint: the whole held-out stream up to {@link #MAX_EVAL_TOKENS}. */
    public long evalBatches(int batchSize, int seqLen) {
        return Math.min(new TokenWindows(heldOut, 0).sequentialBatches(batchSize, seqLen), Math.max(1, MAX_EVAL_TOKENS / ((long) batchSize * seqLen)));
    }

    /** Both streams must hold at least one window of seq + 1 tokens. */
    public void requireWindows(int seqLen) {
        int need = seqLen + 1;
        if (heldOut.length < need || train.length < need) {
            throw new IllegalArgumentException(source + ": " + (train.length + heldOut.length) + " tokens split into " + train.length
                    + " for training and " + heldOut.length + " held out; each needs at least " + need
                    + " (--seq-len + 1): give more text, a shorter --seq-len or a larger --ood-fraction");
        }
    }
}
