package dev.overtune.train;

import dev.overtune.data.Batch;
import dev.overtune.data.BatchSource;
import dev.overtune.data.TokenWindows;
import dev.overtune.tensor.HostTensor;

/**
 * Language-model loss on a token stream, measured one way by every command ({@code pretrain}'s
 * series.json and {@code scan}): consecutive non-overlapping full windows of the evaluator's
 * sequence length from the start of the stream (a trailing partial window is left out, so every
 * window weighs the same), each window's mean loss kept. The same stream and sequence length give the
 * same windows in the same order at every checkpoint.
 */
public final class StreamLoss {
    /**
     * The held-out (OOD) text is evaluated up to this many tokens, by {@code pretrain} and by a scan
     * without an evaluation cap alike: the shipped wordnet-ood text (482,194 tokens) whole.
     */
    public static final long OOD_MAX_TOKENS = 1L << 20;

    private StreamLoss() {}

    /** Full windows of {@code seq} predicted tokens in a stream (each needs seq + 1 tokens). */
    public static long fullWindows(int streamLength, int seq) {
        return Math.max(0, (streamLength - 1L) / seq);
    }

    /** The OOD windows evaluated of a held-out stream: every full window up to {@link #OOD_MAX_TOKENS}. */
    public static long oodWindows(int streamLength, int seq) {
        return Math.min(fullWindows(streamLength, seq), Math.max(1, OOD_MAX_TOKENS / seq));
    }

    /**
     * The mean loss of each of the first {@code windows} full windows (float32 values, see
     * {@link SampleStats}); the loss is their mean.
     */
    public static double[] windowLosses(Evaluator evaluator, int[] tokens, long windows) {
        Batch batch = evaluator.batch();
        int seq = batch.seqLen();
        int rows = batch.batchSize();
        long available = fullWindows(tokens.length, seq);
        if (windows < 1 || windows > available) {
            throw new IllegalArgumentException("asked for " + windows + " evaluation windows of " + seq + " tokens but the text has "
                    + available + " (" + tokens.length + " tokens); give more text or a shorter evaluation sequence length");
        }
        BatchSource source = new TokenWindows(tokens, 0).sequential();
        double[] out = new double[Math.toIntExact(windows)];
        HostTensor logprobs = evaluator.tokenLogprobs();
        for (long b = 0; b * rows < windows; b++) {
            source.fill(batch, b);
            evaluator.run();
            for (int r = 0; r < rows && b * rows + r < windows; r++) {
                double nll = 0;
                for (int t = 0; t < seq; t++) {
                    nll -= logprobs.getFloat((long) r * seq + t);
                }
                out[(int) (b * rows + r)] = SampleStats.rounded(nll / seq);
            }
        }
        return out;
    }

    /**
     * {@link #windowLosses} for every member of a {@link MemberEvaluator} at once: [member][window], each member's
     * values computed exactly as {@link #windowLosses} computes them from its log-likelihoods.
     */
    public static double[][] windowLosses(MemberEvaluator evaluator, int[] tokens, long windows) {
        Batch batch = evaluator.batch();
        int seq = batch.seqLen();
        int rows = batch.batchSize();
        long available = fullWindows(tokens.length, seq);
        if (windows < 1 || windows > available) {
            throw new IllegalArgumentException("asked for " + windows + " evaluation windows of " + seq + " tokens but the text has "
                    + available + " (" + tokens.length + " tokens); give more text or a shorter evaluation sequence length");
        }
        BatchSource source = new TokenWindows(tokens, 0).sequential();
        int members = evaluator.members();
        double[][] out = new double[members][Math.toIntExact(windows)];
        HostTensor logprobs = evaluator.tokenLogprobs();
        long perMember = (long) rows * seq;
        for (long b = 0; b * rows < windows; b++) {
            source.fill(batch, b);
            evaluator.run();
            for (int m = 0; m < members; m++) {
                for (int r = 0; r < rows && b * rows + r < windows; r++) {
                    double nll = 0;
                    for (int t = 0; t < seq; t++) {
                        nll -= logprobs.getFloat(m * perMember + (long) r * seq + t);
                    }
                    out[m][(int) (b * rows + r)] = SampleStats.rounded(nll / seq);
                }
            }
        }
        return out;
    }
}
