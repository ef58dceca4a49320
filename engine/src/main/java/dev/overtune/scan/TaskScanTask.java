package dev.overtune.scan;

import dev.overtune.task.Example;
import dev.overtune.task.Split;
import dev.overtune.task.Task;
import dev.overtune.task.TaskEvaluator;
import dev.overtune.text.Tokenizer;
import dev.overtune.train.BatchSource;
import dev.overtune.train.Evaluator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A task file (text, prompt/completion, label, multiple choice) as a scan task: trains on its train
 * split, scores validation and test with loss and, where it has candidates, accuracy. Evaluation
 * uses at most {@code evalExamples} examples per split, the same ones every time.
 */
public final class TaskScanTask implements ScanTask {
    private final Task task;
    private final Task evaluated;
    private final Tokenizer tokenizer;
    private final int evalExamples;
    private final String hash;

    public TaskScanTask(Task task, Tokenizer tokenizer, int evalExamples) {
        this.task = task;
        this.evaluated = task.limitEvaluation(evalExamples);
        this.tokenizer = tokenizer;
        this.evalExamples = evalExamples;
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
        return task.trainingBatches(tokenizer, seed);
    }

    @Override
    public Map<String, Double> evaluate(Evaluator evaluator, int maxBatches) {
        Map<String, Double> m = new LinkedHashMap<>();
        score(m, "id_val", TaskEvaluator.evaluate(evaluator, evaluated, Split.VALIDATION, tokenizer));
        if (task.has(Split.TEST)) {
            score(m, "id_test", TaskEvaluator.evaluate(evaluator, evaluated, Split.TEST, tokenizer));
        } else {
            m.put("id_test_loss", m.get("id_val_loss"));
        }
        return m;
    }

    private static void score(Map<String, Double> m, String prefix, TaskEvaluator.Result r) {
        m.put(prefix + "_loss", r.loss());
        r.accuracy().ifPresent(a -> m.put(prefix + "_accuracy", a));
        r.normalizedAccuracy().ifPresent(a -> m.put(prefix + "_accuracy_norm", a));
    }
}
