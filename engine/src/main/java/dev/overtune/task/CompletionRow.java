package dev.overtune.task;

import dev.overtune.data.Batch;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.text.Tokenizer;

/**
 * A context and one continuation as a batch row: the tokens of each, encoded separately and
 * concatenated, so the continuation's tokens are the same whatever precedes them. Only the
 * predictions of continuation tokens are scored; context targets are
 * {@link TrainingGraphs#IGNORE_INDEX}. Too long a row loses tokens from the start of the context.
 */
public record CompletionRow(int[] ids, int contextLength) {
    public static CompletionRow of(Tokenizer tokenizer, String context, String continuation) {
        int[] c = tokenizer.encode(context);
        int[] k = tokenizer.encode(continuation);
        int[] ids = new int[c.length + k.length];
        System.arraycopy(c, 0, ids, 0, c.length);
        System.arraycopy(k, 0, ids, c.length, k.length);
        return new CompletionRow(ids, c.length);
    }

    /** The scored positions of this row in a window of {@code seq}: {@code [from, to)}. */
    public record Scored(int from, int to) {
        public int count() {
            return Math.max(0, to - from);
        }
    }

    /** Writes this row into row {@code r} of the batch, right-padded with mask 0; returns the scored positions. */
    public Scored write(Batch batch, int r) {
        int seq = batch.seqLen();
        int keep = Math.min(ids.length, seq + 1);
        int offset = ids.length - keep;
        int from = Math.max(0, contextLength - 1 - offset);
        int to = keep - 1;
        long base = (long) r * seq;
        for (int t = 0; t < seq; t++) {
            boolean real = t < keep - 1;
            batch.inputIds().setLong(base + t, real ? ids[offset + t] : 0);
            batch.targets().setLong(base + t, real && t >= from ? ids[offset + t + 1] : TrainingGraphs.IGNORE_INDEX);
            batch.lossMask().setFloat(base + t, real ? 1f : 0f);
        }
        return new Scored(from, to);
    }

    /** Writes a row that scores nothing. */
    public static void writeEmpty(Batch batch, int r) {
        int seq = batch.seqLen();
        long base = (long) r * seq;
        for (int t = 0; t < seq; t++) {
            batch.inputIds().setLong(base + t, 0);
            batch.targets().setLong(base + t, TrainingGraphs.IGNORE_INDEX);
            batch.lossMask().setFloat(base + t, 0f);
        }
    }
}
