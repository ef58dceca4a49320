package dev.overtune.task;

import java.util.Arrays;
import java.util.List;

/** The four shapes of a task file line, by the JSON fields each line must have. */
public enum TaskKind {
    /** {@code {"text"}}: language modelling on the text; documents are packed into one stream. */
    LANGUAGE_MODELING("language_modeling", List.of("text")),
    /** {@code {"prompt","completion"}}: the completion follows the prompt verbatim; the loss is on the completion only. */
    PROMPT_COMPLETION("prompt_completion", List.of("prompt", "completion")),
    /** {@code {"text","label"}}: the label, after a space, completes the text; accuracy compares every label's likelihood. */
    CLASSIFICATION("classification", List.of("text", "label")),
    /** {@code {"context","choices","gold"}}: each choice, after a space, completes the context; {@code gold} indexes the right one. */
    MULTIPLE_CHOICE("multiple_choice", List.of("context", "choices", "gold"));

    private final String id;
    private final List<String> fields;

    TaskKind(String id, List<String> fields) {
        this.id = id;
        this.fields = fields;
    }

    public String id() {
        return id;
    }

    public List<String> fields() {
        return fields;
    }

    /** Whether examples have several candidate completions, and so an accuracy. */
    public boolean hasAccuracy() {
        return this == CLASSIFICATION || this == MULTIPLE_CHOICE;
    }

    /** What a candidate's choice follows in its continuation (lm-eval's target delimiter): a space for labels and choices. */
    public String targetDelimiter() {
        return hasAccuracy() ? " " : "";
    }

    /**
     * The length of a choice in characters (Unicode code points, Python's {@code len}) without the target delimiter:
     * what lm-eval's acc_norm divides the choice's log-likelihood by ({@code completion_len}).
     */
    public int choiceLength(String continuation) {
        String delimiter = targetDelimiter();
        int from = continuation.startsWith(delimiter) ? delimiter.length() : 0;
        return continuation.codePointCount(from, continuation.length());
    }

    public static TaskKind of(String id, String source) {
        for (TaskKind k : values()) {
            if (k.id.equals(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException(source + ": kind '" + id + "' is not one of "
                + Arrays.stream(values()).map(TaskKind::id).toList());
    }
}
