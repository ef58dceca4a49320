package dev.overtune.series;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One checkpoint of a series: its name, its Hugging Face checkpoint directory, the optimizer step and
 * pre-training tokens when known, and the SHA-256 of files inside it that a manifest promises (file
 * name to lower-case hex; empty when nothing is promised).
 */
public record SeriesCheckpoint(String name, Path directory, OptionalLong step, OptionalLong tokens, Map<String, String> expectedSha256) {
    /** By tokens, then step (unknowns last), then name: the order of a pre-training run. */
    public static final Comparator<SeriesCheckpoint> PRE_TRAINING_ORDER = Comparator
            .comparing(SeriesCheckpoint::tokens, SeriesCheckpoint::compareKnownFirst)
            .thenComparing(SeriesCheckpoint::step, SeriesCheckpoint::compareKnownFirst)
            .thenComparing(SeriesCheckpoint::name);

    public SeriesCheckpoint {
        expectedSha256 = Map.copyOf(expectedSha256);
    }

    private static int compareKnownFirst(OptionalLong a, OptionalLong b) {
        if (a.isPresent() && b.isPresent()) {
            return Long.compare(a.getAsLong(), b.getAsLong());
        }
        return Boolean.compare(a.isEmpty(), b.isEmpty());
    }
}
