package dev.overtune.task;

import dev.overtune.backend.HostTensor;
import dev.overtune.text.TokenWindows;
import dev.overtune.text.Tokenizer;
import dev.overtune.train.Batch;
import dev.overtune.train.Evaluator;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Scores a model on a split of a task through {@link Evaluator}'s per-token log-likelihoods.
 * Language modelling: the mean loss over the packed stream. Otherwise every candidate continuation
 * of every example is one row; its score is the sum of the log-probabilities of its tokens. The
 * loss is the mean negative log-likelihood of the right continuations' tokens; where examples
 * have several candidates, accuracy counts the examples whose right candidate scores highest, and
 * normalised accuracy does the same with each score divided by its continuation's UTF-8 length
 * (lm-eval's acc and acc_norm).
 */
public final class TaskEvaluator {
    public record Result(String task, Split split, int examples, double loss, long tokens,
                         OptionalDouble accuracy, OptionalDouble normalizedAccuracy) {
        public double perplexity() {
            return Math.exp(loss);
        }
    }

    private TaskEvaluator() {}

    public static Result evaluate(Evaluator evaluator, Task task, Split split, Tokenizer tokenizer) {
        Batch batch = evaluator.batch();
        if (task.kind() == TaskKind.LANGUAGE_MODELING) {
            TokenWindows stream = new TokenWindows(task.tokenStream(split, tokenizer), 0);
            Evaluator.Result r = evaluator.evaluate(stream.sequential(), stream.sequentialBatches(batch.batchSize(), batch.seqLen()));
            return new Result(task.name(), split, task.examples(split).size(), r.meanLoss(), r.tokens(),
                    OptionalDouble.empty(), OptionalDouble.empty());
        }
        List<Candidates> examples = task.candidates(split);
        List<CompletionRow> rows = new ArrayList<>();
        for (Candidates c : examples) {
            for (String continuation : c.continuations()) {
                rows.add(CompletionRow.of(tokenizer, c.context(), continuation));
            }
        }
        double[] score = new double[rows.size()];
        int[] scoredTokens = new int[rows.size()];
        HostTensor logprobs = evaluator.tokenLogprobs();
        int seq = batch.seqLen();
        for (int first = 0; first < rows.size(); first += batch.batchSize()) {
            CompletionRow.Scored[] scored = new CompletionRow.Scored[batch.batchSize()];
            for (int b = 0; b < batch.batchSize(); b++) {
                if (first + b < rows.size()) {
                    scored[b] = rows.get(first + b).write(batch, b);
                } else {
                    CompletionRow.writeEmpty(batch, b);
                }
            }
            evaluator.run();
            for (int b = 0; b < batch.batchSize() && first + b < rows.size(); b++) {
                double sum = 0;
                for (int t = scored[b].from(); t < scored[b].to(); t++) {
                    sum += logprobs.getFloat((long) b * seq + t);
                }
                score[first + b] = sum;
                scoredTokens[first + b] = scored[b].count();
            }
        }

        double nll = 0;
        long tokens = 0;
        int correct = 0;
        int correctNormalized = 0;
        int row = 0;
        for (Candidates c : examples) {
            int n = c.continuations().size();
            double[] raw = new double[n];
            double[] normalized = new double[n];
            for (int j = 0; j < n; j++) {
                raw[j] = score[row + j];
                normalized[j] = score[row + j] / Math.max(1, rows.get(row + j).continuationBytes());
            }
            nll -= raw[c.gold()];
            tokens += scoredTokens[row + c.gold()];
            correct += best(raw) == c.gold() ? 1 : 0;
            correctNormalized += best(normalized) == c.gold() ? 1 : 0;
            row += n;
        }
        boolean choices = task.kind().hasAccuracy();
        return new Result(task.name(), split, examples.size(), tokens > 0 ? nll / tokens : Double.NaN, tokens,
                choices ? OptionalDouble.of((double) correct / examples.size()) : OptionalDouble.empty(),
                choices ? OptionalDouble.of((double) correctNormalized / examples.size()) : OptionalDouble.empty());
    }

    /** The index of the highest score; the first on a tie, as lm-eval's argmax. */
    static int best(double[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }
}
