package dev.overtune.task;

import java.util.List;

/** One line of a task file, as its kind defines it. */
public sealed interface Example {
    record Text(String text) implements Example {}

    record Completion(String prompt, String completion) implements Example {}

    record Labelled(String text, String label) implements Example {}

    record Choices(String context, List<String> choices, int gold) implements Example {
        public Choices {
            choices = List.copyOf(choices);
        }
    }
}
