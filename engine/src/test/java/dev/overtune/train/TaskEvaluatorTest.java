package dev.overtune.train;

import dev.overtune.backend.OrtBackend;
import dev.overtune.data.Batch;
import dev.overtune.data.TokenWindows;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.task.Candidates;
import dev.overtune.task.CompletionBatches;
import dev.overtune.task.Example;
import dev.overtune.task.Split;
import dev.overtune.task.Task;
import dev.overtune.task.TaskKind;
import dev.overtune.tensor.HostTensor;
import dev.overtune.text.ByteTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Task scores from the eval graph agree with log-softmax computed here from the logits, whatever the batching. */
class TaskEvaluatorTest {
    static final int SEQ = 40;
    static final ByteTokenizer BYTES = new ByteTokenizer();
    static LanguageModel model;
    static Arena arena;
    static OrtBackend backend;
    static ParamStore params;

    static final Task CHOICES = new Task("mc", TaskKind.MULTIPLE_CHOICE, "", Map.of(
            Split.TRAIN, List.of(new Example.Choices("x", List.of("a", "b"), 0)),
            Split.VALIDATION, List.of(
                    new Example.Choices("The sky is", List.of("blue", "green", "a very long answer"), 0),
                    new Example.Choices("Grass is", List.of("green", "red"), 1),
                    new Example.Choices("Two and two make", List.of("four", "five", "22", "fish"), 2),
                    new Example.Choices("Snow", List.of("white", "is black and it is much longer than the window allows by far"), 1))));

    static final Task COMPLETIONS = new Task("pc", TaskKind.PROMPT_COMPLETION, "", Map.of(
            Split.TRAIN, List.of(new Example.Completion("a", "b")),
            Split.VALIDATION, List.of(new Example.Completion("Word: cat\nDefinition:", " a small feline\n"),
                    new Example.Completion("Word: dog\nDefinition:", " a domestic canine\n"),
                    new Example.Completion("Word: owl\nDefinition:", " a nocturnal bird of prey\n"))));

    @BeforeAll
    static void model() {
        model = ModelConfigs.resolve("tiny");
        arena = Arena.ofShared();
        backend = new OrtBackend();
        params = ParamStore.allocate(arena, model.params());
        params.initialize(3);
    }

    @AfterAll
    static void close() {
        backend.close();
        arena.close();
    }

    private static TaskEvaluator.Result evaluate(Task task, int batchSize) {
        try (Arena a = Arena.ofConfined(); Evaluator evaluator = new Evaluator(backend, model, params, batchSize, SEQ, a, true)) {
            return TaskEvaluator.evaluate(evaluator, task, Split.VALIDATION, BYTES);
        }
    }

    /** log p(continuation | context) the long way: full logits of context+continuation, log-softmax by hand. */
    private static double[] handScore(Evaluator evaluator, String context, String continuation) {
        int[] ids = BYTES.encode(context + continuation);
        int keep = Math.min(ids.length, SEQ + 1);
        int offset = ids.length - keep;
        Batch batch = evaluator.batch();
        for (int t = 0; t < SEQ; t++) {
            boolean real = t < keep - 1;
            batch.inputIds().setLong(t, real ? ids[offset + t] : 0);
            batch.targets().setLong(t, real ? ids[offset + t + 1] : 0);
            batch.lossMask().setFloat(t, real ? 1 : 0);
        }
        evaluator.run();
        HostTensor logits = evaluator.logits();
        int vocab = model.vocabSize();
        double sum = 0;
        int tokens = 0;
        int firstPredicted = BYTES.encode(context).length; // index in ids of the first continuation token
        for (int t = 0; t < keep - 1; t++) {
            if (offset + t + 1 < firstPredicted) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits.getFloat((long) t * vocab + v));
            }
            double z = 0;
            for (int v = 0; v < vocab; v++) {
                z += Math.exp(logits.getFloat((long) t * vocab + v) - max);
            }
            sum += logits.getFloat((long) t * vocab + ids[offset + t + 1]) - max - Math.log(z);
            tokens++;
        }
        return new double[] {sum, tokens};
    }

    @Test
    void multipleChoiceMatchesLogSoftmaxByHand() {
        double nll = 0;
        long tokens = 0;
        int correct = 0;
        int correctNormalized = 0;
        try (Arena a = Arena.ofConfined(); Evaluator evaluator = new Evaluator(backend, model, params, 1, SEQ, a, true)) {
            for (Candidates c : CHOICES.candidates(Split.VALIDATION)) {
                double[] raw = new double[c.continuations().size()];
                double[] normalized = new double[raw.length];
                for (int j = 0; j < raw.length; j++) {
                    double[] s = handScore(evaluator, c.context(), c.continuations().get(j));
                    raw[j] = s[0];
                    normalized[j] = s[0] / pythonLen(c.continuations().get(j).substring(1)); // lm-eval: len(choice), no delimiter
                    if (j == c.gold()) {
                        nll -= s[0];
                        tokens += (long) s[1];
                    }
                }
                correct += TaskEvaluator.best(raw) == c.gold() ? 1 : 0;
                correctNormalized += TaskEvaluator.best(normalized) == c.gold() ? 1 : 0;
            }
        }
        TaskEvaluator.Result result = evaluate(CHOICES, 1);
        assertEquals(tokens, result.tokens());
        assertEquals(nll / tokens, result.loss(), 1e-4);
        assertEquals(correct / 4.0, result.accuracy().orElseThrow(), 1e-9);
        assertEquals(correctNormalized / 4.0, result.normalizedAccuracy().orElseThrow(), 1e-9);
        assertEquals(4, result.examples());
    }

    @Test
    void batchingDoesNotChangeTheResult() {
        for (Task task : List.of(CHOICES, COMPLETIONS)) {
            TaskEvaluator.Result one = evaluate(task, 1);
            TaskEvaluator.Result three = evaluate(task, 3);
            assertEquals(one.loss(), three.loss(), 1e-5, task.name());
            assertEquals(one.tokens(), three.tokens(), task.name());
            assertEquals(one.accuracy(), three.accuracy(), task.name());
        }
    }

    @Test
    void completionLossIsTheEvaluatorLossOnGoldRows() {
        TaskEvaluator.Result result = evaluate(COMPLETIONS, 2);
        assertTrue(result.accuracy().isEmpty(), "one candidate: no accuracy");
        CompletionBatches gold = CompletionBatches.gold(COMPLETIONS.candidates(Split.VALIDATION), BYTES, 0);
        try (Arena a = Arena.ofConfined(); Evaluator evaluator = new Evaluator(backend, model, params, 2, SEQ, a, true)) {
            Evaluator.Result expected = evaluator.evaluate(gold.sequential(), gold.sequentialBatches(2));
            assertEquals(expected.meanLoss(), result.loss(), 1e-5);
            assertEquals(" a small feline\n".length() + " a domestic canine\n".length() + " a nocturnal bird of prey\n".length(),
                    expected.tokens(), "every completion byte is scored, no prompt byte");
            assertEquals(expected.tokens(), result.tokens());
        }
    }

    @Test
    void languageModellingLossIsOverThePackedStream() {
        Task lm = new Task("lm", TaskKind.LANGUAGE_MODELING, "", Map.of(
                Split.TRAIN, List.of(new Example.Text("t")),
                Split.VALIDATION, List.of(new Example.Text("The first document."), new Example.Text("A second, longer document about owls.\n"))));
        TaskEvaluator.Result result = evaluate(lm, 2);
        TokenWindows stream = new TokenWindows(BYTES.encode("The first document.\n\nA second, longer document about owls.\n\n"), 0);
        try (Arena a = Arena.ofConfined(); Evaluator evaluator = new Evaluator(backend, model, params, 2, SEQ, a, true)) {
            Evaluator.Result expected = evaluator.evaluate(stream.sequential(), stream.sequentialBatches(2, SEQ));
            assertEquals(expected.meanLoss(), result.loss(), 1e-6);
            assertEquals(stream.length() - 1, result.tokens());
        }
    }

    /** Python's len of a str: code points. */
    private static int pythonLen(String s) {
        return (int) s.codePoints().count();
    }

    @Test
    void accNormDividesByCharactersNotBytes() {
        // "ééé" is 3 characters and 6 UTF-8 bytes; "abcd" 4 of each. Log-likelihoods -6 and -7:
        // per character -2 vs -1.75 picks "abcd"; per byte -1 vs -1.75 would pick "ééé".
        TaskKind mc = TaskKind.MULTIPLE_CHOICE;
        Candidates c = new Candidates("Q:", List.of(" ééé", " abcd"), 1);
        assertEquals(3, mc.choiceLength(" ééé"));
        assertEquals(4, mc.choiceLength(" abcd"));
        assertEquals(1, TaskEvaluator.bestNormalized(new double[] {-6, -7}, c, mc));
        // The delimiter is not counted either (lm-eval's completion_len is len(choice)):
        Candidates d = new Candidates("Q:", List.of(" a", " bcd"), 0);
        // -1.5 / 1 = -1.5 vs -4 / 3 = -1.33 picks " bcd"; counting the space, -0.75 vs -1.0 would pick " a".
        assertEquals(1, TaskEvaluator.bestNormalized(new double[] {-1.5, -4}, d, TaskKind.CLASSIFICATION));
        assertEquals(1, mc.choiceLength(" \uD83D\uDE00"), "an emoji is one character (two UTF-16 units)");
    }

    @Test
    void nonAsciiChoicesAreNormalisedByCharactersEndToEnd() {
        Task accents = new Task("accents", TaskKind.MULTIPLE_CHOICE, "", Map.of(
                Split.TRAIN, List.of(new Example.Choices("x", List.of("a", "b"), 0)),
                Split.VALIDATION, List.of(
                        new Example.Choices("Café au", List.of("lait", "é", "ééééé", "naïve"), 0),
                        new Example.Choices("Über", List.of("straße", "street", "ü"), 1),
                        new Example.Choices("Ça", List.of("va", "ça ça ça", "çç"), 2))));
        int correctNormalized = 0;
        try (Arena a = Arena.ofConfined(); Evaluator evaluator = new Evaluator(backend, model, params, 1, SEQ, a, true)) {
            for (Candidates c : accents.candidates(Split.VALIDATION)) {
                double[] normalized = new double[c.continuations().size()];
                for (int j = 0; j < normalized.length; j++) {
                    normalized[j] = handScore(evaluator, c.context(), c.continuations().get(j))[0] / pythonLen(c.continuations().get(j).substring(1));
                }
                correctNormalized += TaskEvaluator.best(normalized) == c.gold() ? 1 : 0;
            }
        }
        TaskEvaluator.Result result = evaluate(accents, 2);
        assertEquals(correctNormalized / 3.0, result.normalizedAccuracy().orElseThrow(), 1e-12);
        assertEquals(correctNormalized, (int) java.util.Arrays.stream(result.perExample().correctNormalized()).sum());
    }

    @Test
    void perExampleValuesGiveTheScores() {
        TaskEvaluator.Result result = evaluate(CHOICES, 3);
        TaskEvaluator.PerExample e = result.perExample();
        assertEquals(4, e.loss().length);
        assertEquals(result.tokens(), (long) java.util.Arrays.stream(e.tokens()).sum());
        assertEquals(result.loss(), dev.overtune.train.SampleStats.weightedMean(e.loss(), e.tokens()), 0);
        assertEquals(result.accuracy().orElseThrow(), java.util.Arrays.stream(e.correct()).average().orElseThrow(), 0);
        assertEquals(result.normalizedAccuracy().orElseThrow(), java.util.Arrays.stream(e.correctNormalized()).average().orElseThrow(), 0);
    }

    @Test
    void tiesGoToTheFirstCandidate() {
        assertEquals(0, TaskEvaluator.best(new double[] {-1, -1, -2}));
        assertEquals(2, TaskEvaluator.best(new double[] {-3, -2, -1}));
    }
}
