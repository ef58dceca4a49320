package dev.overtune.scan;

import dev.overtune.backend.OrtBackend;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.task.Example;
import dev.overtune.task.Split;
import dev.overtune.task.Task;
import dev.overtune.task.TaskKind;
import dev.overtune.text.ByteTokenizer;
import dev.overtune.train.Evaluator;
import dev.overtune.train.SampleStats;
import dev.overtune.train.TaskEvaluator;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A label task's scan scores: lm-eval's names, per-example samples whose (weighted) means are the metrics. */
class TaskScanScoresTest {
    static final String[] LABELS = {"noun", "verb", "adjective"};

    static Task labelled() {
        List<Example> val = new ArrayList<>();
        List<Example> test = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            val.add(new Example.Labelled("Word " + i + " of the validation set is a", LABELS[i % 3]));
            test.add(new Example.Labelled("Entry " + (i * 7) + " in the test split: a", LABELS[(i * 2) % 3]));
        }
        return new Task("labels", TaskKind.CLASSIFICATION, "", Map.of(
                Split.TRAIN, List.of(new Example.Labelled("x", "noun"), new Example.Labelled("y", "verb"), new Example.Labelled("z", "adjective")),
                Split.VALIDATION, val, Split.TEST, test));
    }

    @Test
    void labelTaskScoresUnderLmEvalNamesWithTheirSamples() {
        LanguageModel model = ModelConfigs.resolve("tiny");
        Task task = labelled();
        ByteTokenizer bytes = new ByteTokenizer();
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend(2)) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(11);
            try (Evaluator evaluator = new Evaluator(backend, model, params, 4, 64, arena)) {
                Scores s = new TaskScanTask(task, bytes).score(evaluator, ScanSettings.Eval.ALL);
                Set<String> expected = new TreeSet<>();
                for (String split : List.of("id_val", "id_test")) {
                    for (String m : List.of("_loss", "_acc", "_acc_norm")) {
                        expected.add(split + m);
                        expected.add(split + m + "_stderr");
                    }
                }
                assertEquals(expected, new TreeSet<>(s.metrics().keySet()));
                assertEquals(Set.of("id_val_loss", "id_val_loss_weights", "id_val_acc", "id_val_acc_norm",
                        "id_test_loss", "id_test_loss_weights", "id_test_acc", "id_test_acc_norm"), s.samples().keySet());

                TaskEvaluator.Result val = TaskEvaluator.evaluate(evaluator, task, Split.VALIDATION, bytes);
                double[] loss = s.samples().get("id_val_loss");
                double[] weights = s.samples().get("id_val_loss_weights");
                assertEquals(14, loss.length, "every example of the split");
                assertEquals(val.tokens(), (long) Arrays.stream(weights).sum(), "weights are each example's scored tokens");
                assertEquals(SampleStats.weightedMean(loss, weights), s.metrics().get("id_val_loss"), 0);
                assertEquals(val.loss(), s.metrics().get("id_val_loss"), 1e-12);
                assertEquals(SampleStats.weightedStderr(loss, weights), s.metrics().get("id_val_loss_stderr"), 0);

                for (String acc : List.of("id_val_acc", "id_val_acc_norm", "id_test_acc", "id_test_acc_norm")) {
                    double[] correct = s.samples().get(acc);
                    assertTrue(Arrays.stream(correct).allMatch(v -> v == 0 || v == 1), acc + " is 0/1 per example");
                    double p = Arrays.stream(correct).average().orElseThrow();
                    assertEquals(p, s.metrics().get(acc), 1e-15, acc);
                    assertEquals(Math.sqrt(p * (1 - p) / (correct.length - 1)), s.metrics().get(acc + "_stderr"), 1e-12, acc);
                }
                assertEquals(val.accuracy().orElseThrow(), s.metrics().get("id_val_acc"), 0);
                assertEquals(val.normalizedAccuracy().orElseThrow(), s.metrics().get("id_val_acc_norm"), 0);
                assertArrayEquals(val.perExample().correct(), s.samples().get("id_val_acc"), 0);
            }
        }
    }

    @Test
    void aCapEvaluatesTheFirstExamples() {
        LanguageModel model = ModelConfigs.resolve("tiny");
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend(2)) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(11);
            try (Evaluator evaluator = new Evaluator(backend, model, params, 4, 64, arena)) {
                Scores all = new TaskScanTask(labelled(), new ByteTokenizer()).score(evaluator, ScanSettings.Eval.ALL);
                Scores five = new TaskScanTask(labelled(), new ByteTokenizer(), 5).score(evaluator, 2);
                assertArrayEquals(Arrays.copyOf(all.samples().get("id_test_acc"), 5), five.samples().get("id_test_acc"), 0);
                assertArrayEquals(Arrays.copyOf(all.samples().get("id_test_loss"), 5), five.samples().get("id_test_loss"), 1e-6);
            }
        }
    }
}
