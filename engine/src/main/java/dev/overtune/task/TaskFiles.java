package dev.overtune.task;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.overtune.text.TextFiles;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads task files: JSON Lines, plain or gzip'd ({@code .gz}), one example per line in the fields
 * of the task's {@link TaskKind}. Any bad line is an error naming the file and the line number.
 */
public final class TaskFiles {
    static final JsonMapper JSON = new JsonMapper();

    private TaskFiles() {}

    public static List<Example> read(Path file, TaskKind kind) {
        byte[] bytes = TextFiles.readBytes(file);
        return parse(maybeGunzip(bytes, file.toString()), file.toString(), kind);
    }

    static List<Example> readResource(String resource, TaskKind kind) {
        byte[] bytes = resourceBytes(resource);
        return parse(maybeGunzip(bytes, resource), resource, kind);
    }

    static byte[] resourceBytes(String resource) {
        try (InputStream in = TaskFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException(resource + ": not on the classpath; rebuild the engine jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(resource + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] maybeGunzip(byte[] bytes, String source) {
        return source.endsWith(".gz") ? TextFiles.gunzip(new ByteArrayInputStream(bytes), source) : bytes;
    }

    /** Parses every line; blank lines are skipped, a file without examples is an error. */
    public static List<Example> parse(byte[] content, String source, TaskKind kind) {
        List<Example> examples = new ArrayList<>();
        int start = 0;
        int lineNo = 0;
        while (start < content.length) {
            int end = start;
            while (end < content.length && content[end] != '\n') {
                end++;
            }
            lineNo++;
            String where = source + ":" + lineNo;
            String line = decode(content, start, end, where);
            if (!line.isBlank()) {
                examples.add(example(line, where, kind));
            }
            start = end + 1;
        }
        if (examples.isEmpty()) {
            throw new IllegalArgumentException(source + ": no examples; a task file has one JSON object per line with "
                    + kind.fields());
        }
        return examples;
    }

    private static String decode(byte[] content, int start, int end, String where) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(content, start, end - start)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(where + ": not UTF-8 text; convert the file (e.g. iconv -t UTF-8)");
        }
    }

    private static Example example(String line, String where, TaskKind kind) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(where + ": not valid JSON (" + e.getOriginalMessage().replaceAll("\\s+", " ") + ")");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + ": expected a JSON object with " + kind.fields());
        }
        return switch (kind) {
            case LANGUAGE_MODELING -> new Example.Text(text(node, "text", where, kind));
            case PROMPT_COMPLETION -> new Example.Completion(text(node, "prompt", where, kind), text(node, "completion", where, kind));
            case CLASSIFICATION -> new Example.Labelled(text(node, "text", where, kind), text(node, "label", where, kind));
            case MULTIPLE_CHOICE -> choices(node, where, kind);
        };
    }

    private static String text(JsonNode node, String field, String where, TaskKind kind) {
        JsonNode value = node.get(field);
        if (value == null) {
            throw new IllegalArgumentException(where + ": no \"" + field + "\"; a " + kind.id() + " line needs " + kind.fields());
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" is " + value.getNodeType().name().toLowerCase()
                    + ", not a string");
        }
        if (value.textValue().isBlank()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" is empty; every field needs text");
        }
        return value.textValue();
    }

    private static Example.Choices choices(JsonNode node, String where, TaskKind kind) {
        String context = text(node, "context", where, kind);
        JsonNode choices = node.get("choices");
        if (choices == null || !choices.isArray() || choices.size() < 2) {
            throw new IllegalArgumentException(where + ": \"choices\" must be a list of at least two strings");
        }
        List<String> list = new ArrayList<>();
        for (JsonNode c : choices) {
            if (!c.isTextual() || c.textValue().isBlank()) {
                throw new IllegalArgumentException(where + ": \"choices\" must be a list of at least two strings; "
                        + c + " is not one");
            }
            list.add(c.textValue());
        }
        JsonNode gold = node.get("gold");
        if (gold == null || !gold.canConvertToExactIntegral() || gold.asInt() < 0 || gold.asInt() >= list.size()) {
            throw new IllegalArgumentException(where + ": \"gold\" must be the index (0 to " + (list.size() - 1)
                    + ") of the right choice, got " + gold);
        }
        return new Example.Choices(context, list, gold.asInt());
    }
}
