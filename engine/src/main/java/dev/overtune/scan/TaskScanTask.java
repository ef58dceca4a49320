package dev.overtune.scan;

import dev.overtune.task.Example;
import dev.overtune.task.Split;
import dev.overtune.task.Task;
import dev.overtune.task.TaskEvaluator;
import dev.overtune.task.TaskKind;
import dev.overtune.text.TokenWindows;
import dev.overtune.text.Tokenizer;
import dev.overtune.train.BatchSource;
import dev.overtune.train.Evaluator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A task file (text, prompt/completion, label, multiple choice) as a scan task: trains on its train
 * split, scores validation and test with loss and, where it has candidates, accuracy. Language
 * modelling is scored on at most the evaluation's batch budget of each split; the other kinds on at
 * most {@code evalExamples} examples of each, the same ones every time. Text is tokenized once.
 */
public final class TaskScanTask implements ScanTask {
    private final Task task;
    private final Task evaluated;
    private final Tokenizer tokenizer;
    private final String hash;
    private final int[] trainStream;
    private final int[] validationStream;
    private final int[] testStream;

    public TaskScanTask(Task task, Tokenizer tokenizer, int evalExamples) {
        if (!task.has(Split.TEST)) {
            throw new IllegalArgumentException("task " + task.name() + " has no test split; a scan reports test loss, so give test.jsonl");
        }
        this.task = task;
        this.evaluated = task.limitEvaluation(evalExamples);
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
        Map<String, Double> m = new LinkedHashMap<>();
        if (validationStream != null) {
            m.put("id_val_loss", TextTask.loss(evaluator, validationStream, maxBatches));
            m.put("id_test_loss", TextTask.loss(evaluator, testStream, maxBatches));
            return m;
        }
        score(m, "id_val", TaskEvaluator.evaluate(evaluator, evaluated, Split.VALIDATION, tokenizer));
        score(m, "id_test", TaskEvaluator.evaluate(evaluator, evaluated, Split.TEST, tokenizer));
        return m;
    }

    private static void score(Map<String, Double> m, String prefix, TaskEvaluator.Result r) {
        m.put(prefix + "_loss", r.loss());
        r.accuracy().ifPresent(a -> m.put(prefix + "_accuracy", a));
        r.normalizedAccuracy().ifPresent(a -> m.put(prefix + "_accuracy_norm", a));
    }
}
