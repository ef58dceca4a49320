package dev.overtune.task;

import dev.overtune.text.ByteTokenizer;
import dev.overtune.text.Gpt2BpeTokenizer;
import dev.overtune.text.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.overtune.text.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskTest {
    @TempDir Path dir;

    @Test
    void shippedTasksLoadWithThreeSplits() {
        assertEquals(List.of("wordnet-supersense", "wordnet-pos", "wordnet-define", "jargon-lm"), Task.shipped());
        Map<String, TaskKind> kinds = Map.of("wordnet-supersense", TaskKind.CLASSIFICATION, "wordnet-pos", TaskKind.MULTIPLE_CHOICE,
                "wordnet-define", TaskKind.PROMPT_COMPLETION, "jargon-lm", TaskKind.LANGUAGE_MODELING);
        for (String name : Task.shipped()) {
            Task task = Task.load(name);
            assertEquals(kinds.get(name), task.kind(), name);
            assertTrue(task.examples(Split.TRAIN).size() >= 1500, task.toString());
            assertTrue(task.examples(Split.VALIDATION).size() >= 200, task.toString());
            assertTrue(task.examples(Split.TEST).size() >= 200, task.toString());
            assertTrue(!task.description().isEmpty(), name);
        }
        Task supersense = Task.load("wordnet-supersense");
        assertTrue(supersense.labels().containsAll(List.of("animal", "artifact", "person", "plant")), supersense.labels().toString());
        Candidates first = supersense.candidates(Split.TEST).getFirst();
        assertEquals(supersense.labels().size(), first.continuations().size());
        assertTrue(first.context().endsWith("\nCategory:"), first.context());
        assertTrue(first.goldContinuation().startsWith(" "), "labels follow the text after a space");
    }

    @Test
    void splitsOfShippedTasksAreDisjoint() {
        for (String name : Task.shipped()) {
            Task task = Task.load(name);
            var train = new java.util.HashSet<>(task.examples(Split.TRAIN));
            long leaked = task.examples(Split.TEST).stream().filter(train::contains).count();
            assertTrue(leaked <= task.examples(Split.TEST).size() / 50, name + ": " + leaked + " test examples also in train");
        }
    }

    @Test
    void unknownTaskNamesTheShippedOnes() {
        refused(() -> Task.load("glue-sst2"), "glue-sst2", "wordnet-pos", "task.json");
    }

    @Test
    void taskFromDirectory() throws IOException {
        Files.writeString(dir.resolve("task.json"), "{\"name\": \"colours\", \"kind\": \"classification\"}");
        Files.writeString(dir.resolve("train.jsonl"), "{\"text\": \"sky\", \"label\": \"blue\"}\n{\"text\": \"grass\", \"label\": \"green\"}\n");
        Files.writeString(dir.resolve("validation.jsonl"), "{\"text\": \"sea\", \"label\": \"blue\"}\n");
        Task task = Task.fromDirectory(dir);
        assertEquals("colours", task.name());
        assertEquals(List.of("blue", "green"), task.labels());
        assertEquals(new Candidates("sea", List.of(" blue", " green"), 0), task.candidates(Split.VALIDATION).getFirst());
        refused(() -> task.examples(Split.TEST), "colours", "no test split");
        refused(() -> task.tokenStream(Split.TRAIN, new ByteTokenizer()), "classification", "not language modelling");
    }

    @Test
    void badTaskDirectoriesAreRefused() throws IOException {
        refused(() -> Task.fromDirectory(dir), "task.json", "no such file");
        Files.writeString(dir.resolve("task.json"), "{\"kind\": \"regression\"}");
        refused(() -> Task.fromDirectory(dir), "task.json", "regression", "multiple_choice");
        Files.writeString(dir.resolve("task.json"), "{\"kind\": \"language_modeling\"}");
        Files.writeString(dir.resolve("train.jsonl"), "{\"text\": \"a\"}\n");
        refused(() -> Task.fromDirectory(dir), "no validation split");
        Files.writeString(dir.resolve("validation.jsonl"), "{\"text\": \"b\"}\n");
        Files.writeString(dir.resolve("validation.jsonl.gz"), "");
        refused(() -> Task.fromDirectory(dir), "keep one");
        Files.writeString(dir.resolve("task.json"), "{\"kind\": ");
        refused(() -> Task.fromDirectory(dir), "task.json", "not valid JSON");
    }

    @Test
    void oneLabelIsNotAClassification() throws IOException {
        Files.writeString(dir.resolve("task.json"), "{\"kind\": \"classification\"}");
        Files.writeString(dir.resolve("train.jsonl"), "{\"text\": \"sky\", \"label\": \"blue\"}\n");
        Files.writeString(dir.resolve("validation.jsonl"), "{\"text\": \"sea\", \"label\": \"blue\"}\n");
        refused(() -> Task.fromDirectory(dir), "only the label [blue]");
    }

    @Test
    void languageModellingDocumentsArePackedWithSeparators() {
        Map<Split, List<Example>> splits = Map.of(Split.TRAIN, List.of(new Example.Text("ab"), new Example.Text("cd\n")),
                Split.VALIDATION, List.of(new Example.Text("x")));
        Task task = new Task("lm", TaskKind.LANGUAGE_MODELING, "", splits);
        // Without an end-of-text token, documents end in a blank line.
        assertArrayEquals(new ByteTokenizer().encode("ab\n\ncd\n\n"), task.tokenStream(Split.TRAIN, new ByteTokenizer()));
        Gpt2BpeTokenizer gpt2 = new Gpt2BpeTokenizer();
        int[] stream = task.tokenStream(Split.TRAIN, gpt2);
        assertEquals("ab<|endoftext|>cd\n<|endoftext|>", gpt2.decode(stream));
        assertEquals(Gpt2BpeTokenizer.END_OF_TEXT, stream[stream.length - 1]);
        assertEquals(Task.load("jargon-lm").tokenStream(Split.VALIDATION, Tokenizers.wordnetBpe()).length > 20_000, true);
    }
}
