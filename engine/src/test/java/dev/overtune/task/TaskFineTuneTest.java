package dev.overtune.task;

import dev.overtune.backend.OrtBackend;
import dev.overtune.data.BatchSource;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.text.ByteTokenizer;
import dev.overtune.train.AdamW;
import dev.overtune.train.Evaluator;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.TaskEvaluator;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: a task's training batches, fed to the Trainer, teach the tiny model a label that
 * depends on the text, and the evaluator sees it. Fails if the loss lands on the wrong positions.
 */
class TaskFineTuneTest {
    static final int STEPS = 150;

    static List<Example> examples(long seed, int n) {
        String[] fillers = {"today", "the pond", "my tea", "the stove", "the lake", "a stone", "the wind", "the sand", "our room", "the soup"};
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean hot = rnd.nextBoolean();
            String text = fillers[rnd.nextInt(fillers.length)] + " is " + (hot ? "hot" : "icy") + ".\nSeason:";
            out.add(new Example.Labelled(text, hot ? "summer" : "winter"));
        }
        return out;
    }

    @Test
    void fineTuningOnTheTaskLearnsTheLabels() {
        Task task = new Task("seasons", TaskKind.CLASSIFICATION, "", Map.of(Split.TRAIN, examples(1, 64), Split.VALIDATION, examples(2, 40)));
        ByteTokenizer bytes = new ByteTokenizer();
        LanguageModel model = ModelConfigs.resolve("tiny");
        TrainConfig config = new TrainConfig(8, 32, new LrSchedule(3e-3, 3e-4, 10, STEPS), AdamW.Config.defaults(), 1.0);
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(5);
            TaskEvaluator.Result before;
            TaskEvaluator.Result after;
            try (Evaluator evaluator = new Evaluator(backend, model, params, 8, 32, arena);
                 Trainer trainer = new Trainer(backend, model, params, config, arena)) {
                before = TaskEvaluator.evaluate(evaluator, task, Split.VALIDATION, bytes);
                BatchSource batches = task.trainingBatches(bytes, 9);
                for (int s = 0; s < STEPS; s++) {
                    trainer.step(batches);
                }
                after = TaskEvaluator.evaluate(evaluator, task, Split.VALIDATION, bytes);
            }
            assertTrue(after.loss() < before.loss() / 4, "label loss " + before.loss() + " -> " + after.loss());
            assertTrue(after.accuracy().orElseThrow() >= 0.95, "accuracy " + before.accuracy() + " -> " + after.accuracy());
        }
    }
}
