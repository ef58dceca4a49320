package dev.overtune.train;

import dev.overtune.data.Batch;
import dev.overtune.data.TokenWindows;
import dev.overtune.task.Candidates;
import dev.overtune.task.CompletionRow;
import dev.overtune.task.Split;
import dev.overtune.task.Task;
import dev.overtune.task.TaskKind;
import dev.overtune.tensor.HostTensor;
import dev.overtune.text.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Scores a model on a split of a task through {@link Evaluator}'s per-token log-likelihoods.
 * Language modelling: the mean loss over the packed stream. Otherwise every candidate continuation
 * of every example is one row; its score is the sum of the log-probabilities of its tokens. The
 * loss is the mean negative log-likelihood of the right continuations' tokens; where examples
 * have several candidates, accuracy counts the examples whose right candidate scores highest, and
 * normalised accuracy does the same with each score divided by its choice's length in characters
 * (lm-eval's acc and acc_norm). Each example's values are kept too ({@link PerExample}), so the
 * scores' standard errors and example-by-example comparisons can be had.
 */
public final class TaskEvaluator {
    public record Result(String task, Split split, int examples, double loss, long tokens,
                         OptionalDouble accuracy, OptionalDouble normalizedAccuracy, PerExample perExample) {
        public double perplexity() {
            return Math.exp(loss);
        }
    }

    /**
     * Every example's values in the split's order (empty for language modelling): the right continuation's
     * loss per token (float32, see {@link SampleStats}) and its token count, whose weighted mean is the
     * loss; 1 or 0 for right or wrong under acc and acc_norm (empty where the task has no accuracy).
     */
    public record PerExample(double[] loss, double[] tokens, double[] correct, double[] correctNormalized) {
        static final PerExample NONE = new PerExample(new double[0], new double[0], new double[0], new double[0]);
    }

    private TaskEvaluator() {}

    public static Result evaluate(Evaluator evaluator, Task task, Split split, Tokenizer tokenizer) {
        Batch batch = evaluator.batch();
        if (task.kind() == TaskKind.LANGUAGE_MODELING) {
            TokenWindows stream = new TokenWindows(task.tokenStream(split, tokenizer), 0);
            Evaluator.Result r = evaluator.evaluate(stream.sequential(), stream.sequentialBatches(batch.batchSize(), batch.seqLen()));
            return new Result(task.name(), split, task.examples(split).size(), r.meanLoss(), r.tokens(),
                    OptionalDouble.empty(), OptionalDouble.empty(), PerExample.NONE);
        }
        return results(task, split, tokenizer, batch, evaluator::run, evaluator.tokenLogprobs(), 1)[0];
    }

    /**
     * Every member of a member-axis evaluator scored on a split as {@link #evaluate(Evaluator, Task, Split, Tokenizer)}
     * scores one model: the same rows in the same batches, each member's row scores summed from its own
     * log-likelihoods in the same order, so member m's result is what the one-by-one path gives on its parameters up
     * to the float reassociation of the member-axis forward. Language modelling is scored window by window through
     * {@link StreamLoss} instead, so it is refused here.
     */
    public static Result[] evaluate(MemberEvaluator evaluator, Task task, Split split, Tokenizer tokenizer) {
        if (task.kind() == TaskKind.LANGUAGE_MODELING) {
            throw new IllegalArgumentException("task " + task.name() + " is language modelling: score its members' windows with StreamLoss");
        }
        return results(task, split, tokenizer, evaluator.batch(), evaluator::run, evaluator.tokenLogprobs(), evaluator.members());
    }

    /** Each member's result from one pass over the split's rows; {@code logprobs} is [members, batch, seq]. */
    private static Result[] results(Task task, Split split, Tokenizer tokenizer, Batch batch, Runnable run, HostTensor logprobs, int members) {
        List<Candidates> examples = task.candidates(split);
        List<CompletionRow> rows = new ArrayList<>();
        for (Candidates c : examples) {
            for (String continuation : c.continuations()) {
                rows.add(CompletionRow.of(tokenizer, c.context(), continuation));
            }
        }
        double[][] score = new double[members][rows.size()];
        int[] scoredTokens = new int[rows.size()];
        int seq = batch.seqLen();
        long perMember = (long) batch.batchSize() * seq;
        for (int first = 0; first < rows.size(); first += batch.batchSize()) {
            CompletionRow.Scored[] scored = new CompletionRow.Scored[batch.batchSize()];
            for (int b = 0; b < batch.batchSize(); b++) {
                if (first + b < rows.size()) {
                    scored[b] = rows.get(first + b).write(batch, b);
                } else {
                    CompletionRow.writeEmpty(batch, b);
                }
            }
            run.run();
            for (int m = 0; m < members; m++) {
                for (int b = 0; b < batch.batchSize() && first + b < rows.size(); b++) {
                    double sum = 0;
                    for (int t = scored[b].from(); t < scored[b].to(); t++) {
                        sum += logprobs.getFloat(m * perMember + (long) b * seq + t);
                    }
                    score[m][first + b] = sum;
                    scoredTokens[first + b] = scored[b].count();
                }
            }
        }
        Result[] out = new Result[members];
        for (int m = 0; m < members; m++) {
            out[m] = result(task, split, examples, score[m], scoredTokens);
        }
        return out;
    }

    private static Result result(Task task, Split split, List<Candidates> examples, double[] score, int[] scoredTokens) {
        int n = examples.size();
        double[] loss = new double[n];
        double[] tokens = new double[n];
        double[] correct = new double[n];
        double[] correctNormalized = new double[n];
        long totalTokens = 0;
        int row = 0;
        for (int i = 0; i < n; i++) {
            Candidates c = examples.get(i);
            int k = c.continuations().size();
            double[] raw = java.util.Arrays.copyOfRange(score, row, row + k);
            int goldTokens = scoredTokens[row + c.gold()];
            loss[i] = SampleStats.rounded(goldTokens > 0 ? -raw[c.gold()] / goldTokens : 0);
            tokens[i] = goldTokens;
            totalTokens += goldTokens;
            correct[i] = best(raw) == c.gold() ? 1 : 0;
            correctNormalized[i] = bestNormalized(raw, c, task.kind()) == c.gold() ? 1 : 0;
            row += k;
        }
        boolean choices = task.kind().hasAccuracy();
        PerExample per = choices ? new PerExample(loss, tokens, correct, correctNormalized)
                : new PerExample(loss, tokens, new double[0], new double[0]);
        return new Result(task.name(), split, n, totalTokens > 0 ? SampleStats.weightedMean(loss, tokens) : Double.NaN, totalTokens,
                choices ? OptionalDouble.of(SampleStats.mean(correct)) : OptionalDouble.empty(),
                choices ? OptionalDouble.of(SampleStats.mean(correctNormalized)) : OptionalDouble.empty(), per);
    }

    /** lm-eval's acc_norm choice: the highest log-likelihood per character of the choice (without the delimiter). */
    static int bestNormalized(double[] logLikelihoods, Candidates c, TaskKind kind) {
        double[] normalized = new double[logLikelihoods.length];
        for (int j = 0; j < normalized.length; j++) {
            normalized[j] = logLikelihoods[j] / Math.max(1, kind.choiceLength(c.continuations().get(j)));
        }
        return best(normalized);
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
