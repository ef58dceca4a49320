package dev.overtune.task;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.overtune.data.BatchSource;
import dev.overtune.data.TokenWindows;
import dev.overtune.text.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A fine-tuning task: a name, a {@link TaskKind}, and train/validation(/test) examples. Shipped
 * tasks load by name from the classpath; others from a directory holding {@code task.json}
 * ({@code {"name", "kind", "description"}}) and {@code train.jsonl}, {@code validation.jsonl},
 * optionally {@code test.jsonl} (each may be gzip'd as {@code .jsonl.gz}).
 */
public final class Task {
    public static final String RESOURCE_DIR = "/dev/overtune/tasks/";
    public static final String METADATA = "task.json";

    private final String name;
    private final TaskKind kind;
    private final String description;
    private final Map<Split, List<Example>> splits;
    private final List<String> labels;

    public Task(String name, TaskKind kind, String description, Map<Split, List<Example>> splits) {
        this(name, kind, description, splits, null);
    }

    private Task(String name, TaskKind kind, String description, Map<Split, List<Example>> splits, List<String> keepLabels) {
        this.name = name;
        this.kind = kind;
        this.description = description;
        this.splits = new EnumMap<>(Split.class);
        splits.forEach((split, examples) -> this.splits.put(split, List.copyOf(examples)));
        for (Split required : List.of(Split.TRAIN, Split.VALIDATION)) {
            if (!this.splits.containsKey(required)) {
                throw new IllegalArgumentException("task " + name + " has no " + required + " split; give " + required + ".jsonl");
            }
        }
        TreeSet<String> labelSet = new TreeSet<>();
        this.splits.values().forEach(examples -> examples.forEach(e -> {
            if (e instanceof Example.Labelled l) {
                labelSet.add(l.label());
            }
        }));
        this.labels = keepLabels != null ? keepLabels : List.copyOf(labelSet);
        if (kind == TaskKind.CLASSIFICATION && labels.size() < 2) {
            throw new IllegalArgumentException("task " + name + " has only the label " + labels + "; classification needs two or more");
        }
    }

    /** The names of the shipped tasks. */
    public static List<String> shipped() {
        String index = new String(TaskFiles.resourceBytes(RESOURCE_DIR + "tasks.txt"), StandardCharsets.UTF_8);
        return index.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** A shipped task by name. */
    public static Task load(String name) {
        if (!shipped().contains(name)) {
            throw new IllegalArgumentException("no task named '" + name + "'; shipped tasks: " + shipped()
                    + ", or give a directory with " + METADATA + " and train/validation/test .jsonl files");
        }
        String dir = RESOURCE_DIR + name + "/";
        JsonNode meta = metadata(TaskFiles.resourceBytes(dir + METADATA), dir + METADATA);
        TaskKind kind = TaskKind.of(meta.path("kind").asText(), dir + METADATA);
        Map<Split, List<Example>> splits = new EnumMap<>(Split.class);
        for (Split split : Split.values()) {
            splits.put(split, TaskFiles.readResource(dir + split.id() + ".jsonl.gz", kind));
        }
        return new Task(name, kind, meta.path("description").asText(""), splits);
    }

    /** A task from a directory; a split is {@code SPLIT.jsonl} or {@code SPLIT.jsonl.gz}. */
    public static Task fromDirectory(Path dir) {
        Path metaFile = dir.resolve(METADATA);
        byte[] metaBytes;
        try {
            metaBytes = Files.readAllBytes(metaFile);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(metaFile + ": no such file; a task directory needs " + METADATA
                    + " with {\"name\", \"kind\"}");
        } catch (IOException e) {
            throw new UncheckedIOException(metaFile + ": cannot read (" + e.getMessage() + ")", e);
        }
        JsonNode meta = metadata(metaBytes, metaFile.toString());
        TaskKind kind = TaskKind.of(meta.path("kind").asText(), metaFile.toString());
        String name = meta.path("name").asText(dir.getFileName() == null ? "task" : dir.getFileName().toString());
        Map<Split, List<Example>> splits = new EnumMap<>(Split.class);
        for (Split split : Split.values()) {
            for (String ext : List.of(".jsonl", ".jsonl.gz")) {
                Path file = dir.resolve(split.id() + ext);
                if (Files.exists(file)) {
                    if (splits.containsKey(split)) {
                        throw new IllegalArgumentException(dir + ": both " + split.id() + ".jsonl and " + split.id()
                                + ".jsonl.gz; keep one");
                    }
                    splits.put(split, TaskFiles.read(file, kind));
                }
            }
        }
        return new Task(name, kind, meta.path("description").asText(""), splits);
    }

    private static JsonNode metadata(byte[] bytes, String source) {
        JsonNode meta;
        try {
            meta = TaskFiles.JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": not valid JSON (" + e.getOriginalMessage().replaceAll("\\s+", " ") + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (meta == null || !meta.isObject() || !meta.path("kind").isTextual()) {
            throw new IllegalArgumentException(source + ": needs a \"kind\" (" + List.of(TaskKind.values()).stream()
                    .map(TaskKind::id).toList() + ")");
        }
        return meta;
    }

    public String name() {
        return name;
    }

    public TaskKind kind() {
        return kind;
    }

    public String description() {
        return description;
    }

    /**
     * The same task with at most {@code max} examples in each evaluation split (validation, test),
     * keeping the label set, so a cheaper evaluation still scores against every candidate.
     */
    public Task limitEvaluation(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("evaluation limit must be positive, got " + max);
        }
        Map<Split, List<Example>> limited = new EnumMap<>(Split.class);
        splits.forEach((split, examples) -> limited.put(split,
                split == Split.TRAIN || examples.size() <= max ? examples : examples.subList(0, max)));
        return new Task(name, kind, description, limited, labels);
    }

    public boolean has(Split split) {
        return splits.containsKey(split);
    }

    public List<Example> examples(Split split) {
        List<Example> examples = splits.get(split);
        if (examples == null) {
            throw new IllegalArgumentException("task " + name + " has no " + split + " split");
        }
        return examples;
    }

    /** For classification: every label of every split, sorted; these are the candidates of each example. */
    public List<String> labels() {
        return labels;
    }

    /** The examples of a split as contexts with candidate continuations; not for language modelling. */
    public List<Candidates> candidates(Split split) {
        List<Candidates> out = new ArrayList<>();
        for (Example e : examples(split)) {
            out.add(switch (e) {
                case Example.Completion c -> new Candidates(c.prompt(), List.of(c.completion()), 0);
                case Example.Labelled l -> new Candidates(l.text(), labels.stream().map(x -> kind.targetDelimiter() + x).toList(), labels.indexOf(l.label()));
                case Example.Choices c -> new Candidates(c.context(), c.choices().stream().map(x -> kind.targetDelimiter() + x).toList(), c.gold());
                case Example.Text t -> throw new IllegalArgumentException("task " + name + " is language modelling; it has no candidates");
            });
        }
        return out;
    }

    /** For language modelling: the documents of a split packed into one token stream. */
    public int[] tokenStream(Split split, Tokenizer tokenizer) {
        if (kind != TaskKind.LANGUAGE_MODELING) {
            throw new IllegalArgumentException("task " + name + " is " + kind.id() + ", not language modelling; it has no token stream");
        }
        return TokenWindows.pack(tokenizer, examples(split).stream().map(e -> ((Example.Text) e).text()).toList());
    }

    /** Training batches from the train split: token windows for language modelling, one example a row otherwise. */
    public BatchSource trainingBatches(Tokenizer tokenizer, long seed) {
        if (kind == TaskKind.LANGUAGE_MODELING) {
            return new TokenWindows(tokenStream(Split.TRAIN, tokenizer), seed);
        }
        return CompletionBatches.gold(candidates(Split.TRAIN), tokenizer, seed);
    }

    @Override
    public String toString() {
        return name + " (" + kind.id() + ", " + splits.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().size()).toList() + ")";
    }
}
