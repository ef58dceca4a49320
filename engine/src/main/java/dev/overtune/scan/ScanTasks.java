package dev.overtune.scan;

import dev.overtune.task.Task;
import dev.overtune.text.TextFiles;
import dev.overtune.text.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where a scan's task comes from: a shipped task's name, a task directory, or a plain UTF-8 text file. */
public final class ScanTasks {
    private ScanTasks() {}

    /**
     * The task {@code spec} names, evaluated on at most {@code evalExamples} examples of each split ({@link TaskScanTask#ALL}
     * for all); empty when it is neither a shipped task nor a directory nor a file.
     */
    public static Optional<ScanTask> resolve(String spec, Tokenizer tokenizer, int evalExamples) {
        Path path = Path.of(spec);
        if (Task.shipped().contains(spec)) {
            return Optional.of(new TaskScanTask(Task.load(spec), tokenizer, evalExamples));
        }
        if (Files.isDirectory(path)) {
            return Optional.of(new TaskScanTask(Task.fromDirectory(path), tokenizer, evalExamples));
        }
        if (Files.isRegularFile(path)) {
            return Optional.of(new TextTask(path.getFileName().toString(), tokenizer.encode(TextFiles.readUtf8(path))));
        }
        return Optional.empty();
    }
}
