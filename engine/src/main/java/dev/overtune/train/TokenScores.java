package dev.overtune.train;

import dev.overtune.data.Batch;
import dev.overtune.data.BatchSource;
import dev.overtune.data.TokenWindows;
import dev.overtune.tensor.HostTensor;

/**
 * How well a model predicts one token stream: the log-likelihood of every token after the first,
 * each conditioned on the tokens before it in its window (consecutive, non-overlapping windows of
 * the evaluator's sequence length), and their mean as a loss.
 *
 * @param logprobs {@code logprobs[i]} is log p(token {@code i + 1}); one fewer than the stream has tokens
 */
public record TokenScores(double meanLoss, long tokens, float[] logprobs) {
    public double perplexity() {
        return Math.exp(meanLoss);
    }

    /** Scores {@code tokens} (at least two) with the evaluator's model and parameters. */
    public static TokenScores of(Evaluator evaluator, int[] tokens) {
        if (tokens.length < 2) {
            throw new IllegalArgumentException("scoring needs at least 2 tokens (one to condition on, one to score), got " + tokens.length);
        }
        Batch batch = evaluator.batch();
        int rows = batch.batchSize();
        int seq = batch.seqLen();
        TokenWindows windows = new TokenWindows(tokens, 0);
        BatchSource source = windows.sequential();
        float[] logprobs = new float[tokens.length - 1];
        double nll = 0;
        double weight = 0;
        long batches = windows.sequentialBatches(rows, seq);
        for (long b = 0; b < batches; b++) {
            source.fill(batch, b);
            evaluator.run();
            nll += evaluator.nllSum();
            weight += evaluator.weightSum();
            HostTensor scored = evaluator.tokenLogprobs();
            for (int r = 0; r < rows; r++) {
                long start = (b * rows + r) * (long) seq;
                for (int t = 0; t < seq; t++) {
                    long at = (long) r * seq + t;
                    if (batch.lossMask().getFloat(at) > 0) {
                        logprobs[Math.toIntExact(start + t)] = scored.getFloat(at);
                    }
                }
            }
        }
        return new TokenScores(nll / weight, Math.round(weight), logprobs);
    }
}
