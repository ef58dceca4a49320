package dev.overtune.series;

import dev.overtune.checkpoint.CheckpointException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * A directory of checkpoints from one pre-training run, ordered by pre-training tokens (by step
 * where tokens are unknown). Found from a {@code series.json} manifest when there is one, otherwise
 * from the revisions of a Hugging Face cache directory ({@link HubCache}), otherwise from
 * subdirectory names ({@code step143000}, {@code stage1-step928646-tokens3896B}, {@code checkpoint-500}). Discovery only names the checkpoints; reading them is the caller's job,
 * so one unreadable checkpoint does not hide the others.
 */
public final class CheckpointSeries {
    private final Path directory;
    private final String name;
    private final String source;
    private final List<SeriesCheckpoint> checkpoints;

    private CheckpointSeries(Path directory, String name, String source, List<SeriesCheckpoint> checkpoints) {
        this.directory = directory;
        this.name = name;
        this.source = source;
        this.checkpoints = checkpoints;
    }

    /**
     * Finds the checkpoints of {@code dir}. {@code tokensPerStep}, when given, sets the tokens of
     * checkpoints whose names give only a step (Pythia: 2,097,152 per step).
     */
    public static CheckpointSeries discover(Path dir, OptionalLong tokensPerStep) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory")
                    + "; give the directory that holds the checkpoints of a series");
        }
        if (tokensPerStep.isPresent() && tokensPerStep.getAsLong() <= 0) {
            throw new IllegalArgumentException("--tokens-per-step must be positive, got " + tokensPerStep.getAsLong());
        }
        String name;
        String source;
        List<SeriesCheckpoint> found;
        if (Files.exists(dir.resolve(SeriesManifest.FILE))) {
            SeriesManifest manifest = SeriesManifest.read(dir);
            name = manifest.name();
            source = SeriesManifest.FILE;
            found = manifest.checkpoints();
        } else if (HubCache.find(dir).isPresent()) {
            HubCache cache = HubCache.find(dir).orElseThrow();
            name = cache.repoId();
            source = "Hugging Face cache revisions";
            found = cache.checkpoints(OptionalLong.empty());
            if (found.isEmpty()) {
                throw new CheckpointException(cache.modelDir() + ": a Hugging Face cache with no revision named like step1000 or "
                        + "stage1-step1000-tokens4B; download the intermediate checkpoints as revisions (revision=\"step1000\")");
            }
        } else {
            name = SeriesManifest.directoryName(dir);
            source = "directory names";
            found = fromDirectoryNames(dir);
        }
        List<SeriesCheckpoint> ordered = new ArrayList<>();
        for (SeriesCheckpoint c : found) {
            ordered.add(withTokensFromStep(dir, c, tokensPerStep));
        }
        ordered.sort(SeriesCheckpoint.PRE_TRAINING_ORDER);
        return new CheckpointSeries(dir, name, source, List.copyOf(ordered));
    }

    private static List<SeriesCheckpoint> fromDirectoryNames(Path dir) {
        List<SeriesCheckpoint> out = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.sorted().toList()) {
                String n = p.getFileName().toString();
                if (Files.isDirectory(p)) {
                    CheckpointDirectoryName.parse(n).ifPresent(parsed ->
                            out.add(new SeriesCheckpoint(n, p, OptionalLong.of(parsed.step()), parsed.tokens(), Map.of())));
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list (" + e + "); check that the directory is readable");
        }
        if (out.isEmpty()) {
            throw new CheckpointException(dir + ": no checkpoints: no " + SeriesManifest.FILE + " and no subdirectory named like step1000, "
                    + "stage1-step1000-tokens4B or checkpoint-1000; name the checkpoint directories so or write a " + SeriesManifest.FILE);
        }
        return out;
    }

    private static SeriesCheckpoint withTokensFromStep(Path dir, SeriesCheckpoint c, OptionalLong tokensPerStep) {
        if (c.tokens().isPresent() || c.step().isEmpty() || tokensPerStep.isEmpty()) {
            return c;
        }
        try {
            long tokens = Math.multiplyExact(c.step().getAsLong(), tokensPerStep.getAsLong());
            return new SeriesCheckpoint(c.name(), c.directory(), c.step(), OptionalLong.of(tokens), c.expectedSha256());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(dir + ": " + c.name() + ": step " + c.step().getAsLong() + " x --tokens-per-step "
                    + tokensPerStep.getAsLong() + " overflows a 64-bit count; check --tokens-per-step");
        }
    }

    public Path directory() {
        return directory;
    }

    public String name() {
        return name;
    }

    /** How the checkpoints were found: "series.json" or "directory names". */
    public String source() {
        return source;
    }

    /** In pre-training order. */
    public List<SeriesCheckpoint> checkpoints() {
        return checkpoints;
    }
}
