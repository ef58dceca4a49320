package dev.overtune.task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static dev.overtune.text.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TaskFilesTest {
    @TempDir Path dir;

    private Path file(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    private void refusedAtLine(TaskKind kind, String badLine, String... mentions) throws IOException {
        Path f = file("t.jsonl", goodLine(kind) + "\n\n" + badLine + "\n" + goodLine(kind) + "\n");
        String[] all = new String[mentions.length + 1];
        all[0] = f + ":3:";
        System.arraycopy(mentions, 0, all, 1, mentions.length);
        refused(() -> TaskFiles.read(f, kind), all);
    }

    private static String goodLine(TaskKind kind) {
        return switch (kind) {
            case LANGUAGE_MODELING -> "{\"text\": \"a document\"}";
            case PROMPT_COMPLETION -> "{\"prompt\": \"Word: cat\\nDefinition:\", \"completion\": \" a feline\\n\"}";
            case CLASSIFICATION -> "{\"text\": \"a feline\", \"label\": \"animal\"}";
            case MULTIPLE_CHOICE -> "{\"context\": \"a feline\", \"choices\": [\"noun\", \"verb\"], \"gold\": 0}";
        };
    }

    @Test
    void goodFilesParseEveryKind() throws IOException {
        for (TaskKind kind : TaskKind.values()) {
            Path f = file(kind.id() + ".jsonl", goodLine(kind) + "\n" + goodLine(kind));
            assertEquals(2, TaskFiles.read(f, kind).size(), kind.id());
        }
        List<Example> parsed = TaskFiles.read(file("mc.jsonl", goodLine(TaskKind.MULTIPLE_CHOICE)), TaskKind.MULTIPLE_CHOICE);
        assertEquals(new Example.Choices("a feline", List.of("noun", "verb"), 0), parsed.getFirst());
    }

    @Test
    void gzipFilesParse() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write((goodLine(TaskKind.CLASSIFICATION) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Path f = dir.resolve("train.jsonl.gz");
        Files.write(f, out.toByteArray());
        assertEquals(new Example.Labelled("a feline", "animal"), TaskFiles.read(f, TaskKind.CLASSIFICATION).getFirst());
    }

    @Test
    void malformedLinesNameFileAndLine() throws IOException {
        refusedAtLine(TaskKind.CLASSIFICATION, "{\"text\": \"x\", \"label\": ", "not valid JSON");
        refusedAtLine(TaskKind.CLASSIFICATION, "[\"text\", \"label\"]", "expected a JSON object", "[text, label]");
        refusedAtLine(TaskKind.CLASSIFICATION, "{\"text\": \"x\"}", "no \"label\"");
        refusedAtLine(TaskKind.CLASSIFICATION, "{\"text\": \"x\", \"label\": 3}", "\"label\" is number");
        refusedAtLine(TaskKind.PROMPT_COMPLETION, "{\"prompt\": \"x\", \"completion\": \"  \"}", "\"completion\" is empty");
        refusedAtLine(TaskKind.LANGUAGE_MODELING, "{\"txt\": \"x\"}", "no \"text\"");
        refusedAtLine(TaskKind.MULTIPLE_CHOICE, "{\"context\": \"x\", \"choices\": [\"a\"], \"gold\": 0}", "at least two");
        refusedAtLine(TaskKind.MULTIPLE_CHOICE, "{\"context\": \"x\", \"choices\": [\"a\", 2], \"gold\": 0}", "2 is not one");
        refusedAtLine(TaskKind.MULTIPLE_CHOICE, "{\"context\": \"x\", \"choices\": [\"a\", \"b\"], \"gold\": 2}", "\"gold\"", "0 to 1");
        refusedAtLine(TaskKind.MULTIPLE_CHOICE, "{\"context\": \"x\", \"choices\": [\"a\", \"b\"], \"gold\": \"0\"}", "\"gold\"");
        refusedAtLine(TaskKind.MULTIPLE_CHOICE, "{\"context\": \"x\", \"choices\": [\"a\", \"b\"]}", "\"gold\"");
    }

    @Test
    void nonUtf8LineIsNamed() throws IOException {
        Path f = dir.resolve("latin1.jsonl");
        byte[] good = (goodLine(TaskKind.LANGUAGE_MODELING) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bad = "{\"text\": \"caf\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(good);
        out.write(good);
        out.write(bad);
        Files.write(f, out.toByteArray());
        refused(() -> TaskFiles.read(f, TaskKind.LANGUAGE_MODELING), f + ":3:", "not UTF-8");
    }

    @Test
    void emptyOrMissingFilesAreRefused() throws IOException {
        Path empty = file("empty.jsonl", "\n\n");
        refused(() -> TaskFiles.read(empty, TaskKind.LANGUAGE_MODELING), empty.toString(), "no examples");
        Path absent = dir.resolve("absent.jsonl");
        refused(() -> TaskFiles.read(absent, TaskKind.LANGUAGE_MODELING), absent.toString(), "no such file");
        Path notGzip = file("plain.jsonl.gz", goodLine(TaskKind.LANGUAGE_MODELING));
        refused(() -> TaskFiles.read(notGzip, TaskKind.LANGUAGE_MODELING), notGzip.toString(), "gzip");
    }
}
