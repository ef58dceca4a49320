package dev.overtune.scan;

import dev.overtune.data.BatchSource;
import dev.overtune.data.TokenWindows;
import dev.overtune.probe.MetricKeys;
import dev.overtune.task.Example;
import dev.overtune.task.Split;
import dev.overtune.task.Task;
import dev.overtune.task.TaskKind;
import dev.overtune.text.Tokenizer;
import dev.overtune.train.Evaluator;
import dev.overtune.train.MemberEvaluator;
import dev.overtune.train.TaskEvaluator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A task file (text, prompt/completion, label, multiple choice) as a scan task: trains on its train
 * split, scores validation and test with loss and, where it has candidates, accuracy. Language
 * modelling is scored on the whole of each split or at most the evaluation's batch budget; the other
 * kinds on every example or at most {@code evalExamples} of each, the same ones every time. Text is
 * tokenized once.
 */
public final class TaskScanTask implements ScanTask {
    /** Evaluate whole splits. */
    public static final int ALL = 0;

    private final Task task;
    private final Task evaluated;
    private final Tokenizer tokenizer;
    private final String hash;
    private final int[] trainStream;
    private final int[] validationStream;
    private final int[] testStream;

    /** Evaluates every example of validation and test. */
    public TaskScanTask(Task task, Tokenizer tokenizer) {
        this(task, tokenizer, ALL);
    }

    /** {@code evalExamples}: the first this many examples of validation and test, or {@link #ALL}. */
    public TaskScanTask(Task task, Tokenizer tokenizer, int evalExamples) {
        if (!task.has(Split.TEST)) {
            throw new IllegalArgumentException("task " + task.name() + " has no test split; a scan reports test loss, so give test.jsonl");
        }
        this.task = task;
        this.evaluated = evalExamples == ALL ? task : task.limitEvaluation(evalExamples);
        this.tokenizer = tokenizer;
        boolean lm = task.kind() == TaskKind.LANGUAGE_MODELING;
        this.trainStream = lm ? task.tokenStream(Split.TRAIN, tokenizer) : null;
        this.validationStream = lm ? task.tokenStream(Split.VALIDATION, tokenizer) : null;
        this.testStream = lm ? task.tokenStream(Split.TEST, tokenizer) : null;
        StringBuilder content = new StringBuilder(task.kind().id()).append('|').append(tokenizer.name()).append('|').append(evalExamples);
        for (Split split : Split.values()) {
            if (task.has(split)) {
                for (Example e : task.examples(split)) {
                    content.append(split.id()).append(':').append(e).append('\n');
                }
            }
        }
        this.hash = Unit.sha256(content.toString()).substring(0, 16);
    }

    @Override
    public String name() {
        return task.name();
    }

    @Override
    public String contentHash() {
        return hash;
    }

    @Override
    public BatchSource train(long seed) {
        return trainStream != null ? new TokenWindows(trainStream, seed) : task.trainingBatches(tokenizer, seed);
    }

    @Override
    public Map<String, Double> evaluate(Evaluator evaluator, int maxBatches) {
        return score(evaluator, maxBatches).metrics();
    }

    /**
     * Language modelling: per-window losses of validation and test. Otherwise per example: the right
     * continuation's loss per token weighted by its tokens, and for label and multiple-choice tasks lm-eval's
     * {@code acc} and {@code acc_norm} (0/1 per example), named {@code id_val_acc}, {@code id_val_acc_norm}, ...
     */
    @Override
    public Scores score(Evaluator evaluator, int maxBatches) {
        Scores s = new Scores();
        if (validationStream != null) {
            return s.sampled(MetricKeys.ID_VAL_LOSS, TextTask.windowLosses(evaluator, validationStream, maxBatches, "the validation split of task '" + task.name() + "'"))
                    .sampled(MetricKeys.ID_TEST_LOSS, TextTask.windowLosses(evaluator, testStream, maxBatches, "the test split of task '" + task.name() + "'"));
        }
        score(s, "id_val", TaskEvaluator.evaluate(evaluator, evaluated, Split.VALIDATION, tokenizer));
        score(s, "id_test", TaskEvaluator.evaluate(evaluator, evaluated, Split.TEST, tokenizer));
        return s;
    }

    /**
     * Every member scored together, as {@link #score(Evaluator, int)} scores one model: language modelling window by
     * window, the other kinds row by row ({@link TaskEvaluator#evaluate(MemberEvaluator, Task, Split, Tokenizer)}) in
     * the same batches, so no kind falls back to one by one.
     */
    @Override
    public boolean scoresMembers() {
        return true;
    }

    @Override
    public List<Scores> score(MemberEvaluator evaluator, int maxBatches) {
        if (validationStream != null) {
            return TextTask.splitScores(
                    TextTask.windowLosses(evaluator, validationStream, maxBatches, "the validation split of task '" + task.name() + "'"),
                    TextTask.windowLosses(evaluator, testStream, maxBatches, "the test split of task '" + task.name() + "'"));
        }
        TaskEvaluator.Result[] validation = TaskEvaluator.evaluate(evaluator, evaluated, Split.VALIDATION, tokenizer);
        TaskEvaluator.Result[] test = TaskEvaluator.evaluate(evaluator, evaluated, Split.TEST, tokenizer);
        List<Scores> out = new ArrayList<>();
        for (int m = 0; m < evaluator.members(); m++) {
            Scores s = new Scores();
            score(s, "id_val", validation[m]);
            score(s, "id_test", test[m]);
            out.add(s);
        }
        return out;
    }

    private static void score(Scores s, String prefix, TaskEvaluator.Result r) {
        TaskEvaluator.PerExample e = r.perExample();
        s.sampled(prefix + "_loss", e.loss(), e.tokens());
        if (r.accuracy().isPresent()) {
            s.sampled(prefix + "_acc", e.correct());
            s.sampled(prefix + "_acc_norm", e.correctNormalized());
        }
    }
}
