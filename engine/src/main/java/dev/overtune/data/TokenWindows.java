package dev.overtune.data;

import dev.overtune.text.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/**
 * Language-model batches cut from one token stream: row b of step s is a window of seq+1 tokens at
 * an offset drawn from (seed, s, b) alone, so any step's batch can be recomputed, which is what
 * makes resumed runs identical to uninterrupted ones.
 */
public final class TokenWindows implements BatchSource {
    private final int[] tokens;
    private final long seed;

    public TokenWindows(int[] tokens, long seed) {
        this.tokens = tokens;
        this.seed = seed;
    }

    /**
     * Documents joined into one stream, each followed by the tokenizer's end-of-text id, or, for a
     * tokenizer without one, by enough newlines to leave a blank line, as in the shipped corpora.
     */
    public static int[] pack(Tokenizer tokenizer, List<String> documents) {
        List<int[]> parts = new ArrayList<>();
        long total = 0;
        OptionalInt endOfText = tokenizer.endOfText();
        for (String document : documents) {
            String text = endOfText.isPresent() ? document
                    : document + (document.endsWith("\n\n") ? "" : document.endsWith("\n") ? "\n" : "\n\n");
            int[] ids = tokenizer.encode(text);
            parts.add(ids);
            total += ids.length + (endOfText.isPresent() ? 1 : 0);
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(total + " tokens do not fit one stream; split the documents into several files");
        }
        int[] stream = new int[(int) total];
        int at = 0;
        for (int[] ids : parts) {
            System.arraycopy(ids, 0, stream, at, ids.length);
            at += ids.length;
            if (endOfText.isPresent()) {
                stream[at++] = endOfText.getAsInt();
            }
        }
        return stream;
    }

    public int length() {
        return tokens.length;
    }

    @Override
    public void fill(Batch batch, long step) {
        int seq = batch.seqLen();
        if (tokens.length < seq + 1) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens; a window of " + seq
                    + " needs at least " + (seq + 1) + ": give more text or a shorter --seq-len");
        }
        int offsets = tokens.length - seq;
        for (int b = 0; b < batch.batchSize(); b++) {
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step * 1_000_003L + b);
            int start = rnd.nextInt(offsets);
            fillRow(batch, b, start, seq);
        }
    }

    /** Consecutive non-overlapping windows for evaluation: batch i covers windows i*B .. i*B+B-1; rows past the end are masked. */
    public BatchSource sequential() {
        return (batch, index) -> {
            int seq = batch.seqLen();
            for (int b = 0; b < batch.batchSize(); b++) {
                long start = (index * batch.batchSize() + b) * (long) seq;
                if (start + 1 < tokens.length) {
                    fillRow(batch, b, (int) start, (int) Math.min(seq, tokens.length - 1 - start));
                } else {
                    fillRow(batch, b, 0, 0);
                }
            }
        };
    }

    /** How many sequential batches cover the stream. */
    public long sequentialBatches(int batchSize, int seq) {
        long windows = (tokens.length - 1 + seq - 1) / seq;
        return (windows + batchSize - 1) / batchSize;
    }

    private void fillRow(Batch batch, int row, int start, int valid) {
        int seq = batch.seqLen();
        long base = (long) row * seq;
        for (int t = 0; t < seq; t++) {
            boolean in = t < valid;
            batch.inputIds().setLong(base + t, in ? tokens[start + t] : 0);
            batch.targets().setLong(base + t, in ? tokens[start + t + 1] : 0);
            batch.lossMask().setFloat(base + t, in ? 1f : 0f);
        }
    }
}
