package dev.overtune.series;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.overtune.checkpoint.CheckpointException;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.SafetensorsFile;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.checkpoint.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks a series for the mistakes published series have shipped with: duplicated or relabelled
 * checkpoints, missing steps, token counts that go backwards, files that do not match their
 * published hashes, and checkpoints that cannot be loaded. Every weight file is read once, in a
 * bounded buffer; a checkpoint that cannot be read becomes a finding and the others are still checked.
 */
public final class SeriesVerifier {
    private static final JsonMapper JSON = new JsonMapper();
    // How many hex digits of a hash go into a message; the JSON output carries them whole.
    private static final int SHOWN_HEX = 12;

    private SeriesVerifier() {}

    public static VerifyReport verify(CheckpointSeries series) {
        return verify(series, (c, d) -> {});
    }

    /** Verifies every checkpoint, telling {@code progress} about each as soon as it is hashed. */
    public static VerifyReport verify(CheckpointSeries series, BiConsumer<SeriesCheckpoint, CheckpointDigest> progress) {
        List<CheckpointDigest> digests = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        for (SeriesCheckpoint c : series.checkpoints()) {
            CheckpointDigest d = digest(c, findings);
            digests.add(d);
            progress.accept(c, d);
        }
        findings.addAll(identicalFiles(digests));
        findings.addAll(sameWeights(digests));
        findings.addAll(stepProblems(series.checkpoints()));
        return new VerifyReport(series, digests, findings);
    }

    private static CheckpointDigest digest(SeriesCheckpoint c, List<Finding> findings) {
        Path dir = c.directory();
        if (!Files.isDirectory(dir)) {
            findings.add(new Finding(Finding.Kind.UNREADABLE, List.of(c.name()), dir + ": no such checkpoint directory; "
                    + "restore it, or drop it from the series"));
            return new CheckpointDigest(c.name(), Map.of(), Map.of(), 0, 0, Optional.empty());
        }
        List<String> problems = new ArrayList<>();
        configProblem(dir).ifPresent(problems::add);
        List<Path> files;
        try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(dir)) {
            files = checkpoint.files();
        } catch (CheckpointException e) {
            problems.add(e.getMessage());
            files = safetensorsFilesIn(dir); // still hashed, so a published hash can tell a bad download from a bad export
        }
        boolean loadable = problems.isEmpty();
        Map<String, String> weightFiles = new TreeMap<>();
        Map<String, String> otherFiles = new TreeMap<>();
        List<String> tensorLines = new ArrayList<>();
        long bytes = 0;
        try {
            for (Path file : files) {
                Map<String, TensorInfo> tensors = loadable ? tensorsOf(file) : Map.of();
                FileDigest fd = FileDigest.of(file, ranges(tensors));
                weightFiles.put(relative(dir, file), fd.sha256());
                bytes += fd.bytes();
                for (TensorInfo t : tensors.values()) {
                    tensorLines.add(t.name() + "\t" + t.dtype() + "\t" + Arrays.toString(t.shape()) + "\t" + fd.rangeSha256().get(t.name()));
                }
            }
            for (Map.Entry<String, String> expected : c.expectedSha256().entrySet()) {
                String file = expected.getKey();
                Path p = dir.resolve(file).normalize();
                if (!weightFiles.containsKey(file) && Files.isRegularFile(p)) {
                    otherFiles.put(file, FileDigest.of(p, List.of()).sha256());
                }
            }
        } catch (IOException | UncheckedIOException e) {
            problems.add(dir + ": cannot read while hashing (" + e.getMessage() + "); check the files' permissions and the disk");
            loadable = false;
        }
        for (String p : problems) {
            findings.add(new Finding(Finding.Kind.UNREADABLE, List.of(c.name()), p));
        }
        findings.addAll(hashMismatches(c, weightFiles, otherFiles));
        Optional<String> fingerprint = loadable ? Optional.of(fingerprint(tensorLines)) : Optional.empty();
        return new CheckpointDigest(c.name(), weightFiles, otherFiles, bytes, loadable ? tensorLines.size() : 0, fingerprint);
    }

    private static Optional<String> configProblem(Path dir) {
        Path config = dir.resolve(ModelWeights.CONFIG);
        try {
            JsonNode json = JSON.readTree(Files.readAllBytes(config));
            return json != null && json.isObject() ? Optional.empty()
                    : Optional.of(config + ": not a JSON object; re-export the checkpoint's Hugging Face config.json");
        } catch (NoSuchFileException e) {
            return Optional.of(config + ": missing; a checkpoint directory needs its Hugging Face config.json beside the weights");
        } catch (JacksonException e) {
            return Optional.of(config + ": malformed JSON (" + e.getOriginalMessage() + "); re-export the checkpoint's config.json");
        } catch (IOException e) {
            return Optional.of(config + ": cannot read (" + e + "); check that it is readable");
        }
    }

    private static Map<String, TensorInfo> tensorsOf(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, TensorInfo> out = new LinkedHashMap<>();
            for (String name : f.names()) {
                TensorInfo t = f.info(name);
                out.put(name, new TensorInfo(name, t.dtype(), t.shape(), f.dataStart() + t.begin(), f.dataStart() + t.end()));
            }
            return out;
        }
    }

    private static List<FileDigest.Range> ranges(Map<String, TensorInfo> tensors) {
        return tensors.values().stream().map(t -> new FileDigest.Range(t.name(), t.begin(), t.end())).toList();
    }

    private static List<Path> safetensorsFilesIn(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().endsWith(".safetensors") && p.getFileName().toString().startsWith("model"))
                    .filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String relative(Path dir, Path file) {
        return dir.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize()).toString();
    }

    /** One hash over every tensor's name, dtype, shape and data hash, in name order: equal exactly when the weights are. */
    private static String fingerprint(List<String> tensorLines) {
        MessageDigest md = FileDigest.newSha256();
        tensorLines.stream().sorted().forEach(line -> md.update((line + "\n").getBytes(StandardCharsets.UTF_8)));
        return FileDigest.hex(md.digest());
    }

    private static List<Finding> hashMismatches(SeriesCheckpoint c, Map<String, String> weightFiles, Map<String, String> otherFiles) {
        List<Finding> out = new ArrayList<>();
        for (Map.Entry<String, String> expected : new TreeMap<>(c.expectedSha256()).entrySet()) {
            String file = expected.getKey();
            String actual = weightFiles.getOrDefault(file, otherFiles.get(file));
            Path where = c.directory().resolve(file);
            if (actual == null) {
                out.add(new Finding(Finding.Kind.HASH_MISMATCH, List.of(c.name()), where + ": missing, but series.json gives its sha256 "
                        + shorten(expected.getValue()) + "; download it again"));
            } else if (!actual.equals(expected.getValue())) {
                out.add(new Finding(Finding.Kind.HASH_MISMATCH, List.of(c.name()), where + ": sha256 " + shorten(actual)
                        + " but series.json expects " + shorten(expected.getValue()) + "; the file is damaged or not the one published: download it again"));
            }
        }
        return out;
    }

    private static List<Finding> identicalFiles(List<CheckpointDigest> digests) {
        List<Finding> out = new ArrayList<>();
        for (List<CheckpointDigest> group : groups(digests.stream().filter(d -> !d.weightFiles().isEmpty()).toList(), CheckpointDigest::weightFiles)) {
            CheckpointDigest first = group.getFirst();
            String what = first.weightFiles().size() == 1
                    ? first.weightFiles().keySet().iterator().next() + " sha256 " + shorten(first.weightFiles().values().iterator().next())
                    : first.weightFiles().size() + " weight files";
            out.add(new Finding(Finding.Kind.IDENTICAL_FILES, names(group), String.join(", ", names(group))
                    + ": byte-identical weights (" + what + "); all but one are mislabelled or a save was copied: check the run's logs"));
        }
        return out;
    }

    private static List<Finding> sameWeights(List<CheckpointDigest> digests) {
        List<Finding> out = new ArrayList<>();
        for (List<CheckpointDigest> group : groups(digests.stream().filter(CheckpointDigest::readable).toList(), d -> d.weightsSha256().orElseThrow())) {
            Set<Map<String, String>> layouts = group.stream().map(CheckpointDigest::weightFiles).collect(Collectors.toSet());
            if (layouts.size() > 1) {
                out.add(new Finding(Finding.Kind.SAME_WEIGHTS, names(group), String.join(", ", names(group)) + ": the same "
                        + group.getFirst().tensors() + " tensors (weights " + shorten(group.getFirst().weightsSha256().orElseThrow())
                        + ") in files that differ only in metadata or layout; all but one are mislabelled: check the run's logs"));
            }
        }
        return out;
    }

    private static List<Finding> stepProblems(List<SeriesCheckpoint> checkpoints) {
        List<SeriesCheckpoint> byStep = checkpoints.stream().filter(c -> c.step().isPresent())
                .sorted(Comparator.comparingLong((SeriesCheckpoint c) -> c.step().getAsLong()).thenComparing(SeriesCheckpoint::name)).toList();
        List<Finding> out = new ArrayList<>();
        for (List<SeriesCheckpoint> same : groups(byStep, c -> c.step().getAsLong())) {
            List<String> names = same.stream().map(SeriesCheckpoint::name).toList();
            out.add(new Finding(Finding.Kind.DUPLICATE_STEP, names, String.join(", ", names) + ": all claim step "
                    + same.getFirst().step().getAsLong() + "; rename or drop all but the right one"));
        }
        SeriesCheckpoint previous = null;
        for (SeriesCheckpoint c : byStep) {
            if (c.tokens().isEmpty()) {
                continue;
            }
            if (previous != null && c.step().getAsLong() > previous.step().getAsLong() && c.tokens().getAsLong() <= previous.tokens().getAsLong()) {
                out.add(new Finding(Finding.Kind.TOKENS_NOT_INCREASING, List.of(previous.name(), c.name()), c.name() + " (step "
                        + c.step().getAsLong() + ") has " + c.tokens().getAsLong() + " tokens, not more than " + previous.name() + " (step "
                        + previous.step().getAsLong() + ", " + previous.tokens().getAsLong() + " tokens); fix the step or token count in the name or series.json"));
            }
            previous = c;
        }
        List<Long> steps = byStep.stream().map(c -> c.step().getAsLong()).distinct().toList();
        StepGrid.infer(steps).ifPresent(grid -> {
            Map<Long, String> nameOf = new TreeMap<>();
            byStep.forEach(c -> nameOf.putIfAbsent(c.step().getAsLong(), c.name()));
            for (StepGrid.Gap gap : grid.gaps(steps)) {
                String listed = gap.firstMissing().stream().map(String::valueOf).collect(Collectors.joining(", "))
                        + (gap.missingCount() > gap.firstMissing().size() ? ", ..." : "");
                out.add(new Finding(Finding.Kind.STEP_GAP, List.of(nameOf.get(gap.after()), nameOf.get(gap.before())),
                        "between " + nameOf.get(gap.after()) + " and " + nameOf.get(gap.before()) + " the " + grid.interval()
                                + "-step grid lacks " + gap.missingCount() + " checkpoint" + (gap.missingCount() == 1 ? "" : "s")
                                + " (step " + listed + "); fetch the missing checkpoints, or ignore this if the run never saved them"));
            }
        });
        return out;
    }

    /** Groups of two or more items with equal keys, in the order their first member appears. */
    private static <T, K> List<List<T>> groups(List<T> items, Function<T, K> key) {
        Map<K, List<T>> byKey = new LinkedHashMap<>();
        for (T item : items) {
            byKey.computeIfAbsent(Objects.requireNonNull(key.apply(item)), k -> new ArrayList<>()).add(item);
        }
        return byKey.values().stream().filter(g -> g.size() > 1).toList();
    }

    private static List<String> names(List<CheckpointDigest> group) {
        return group.stream().map(CheckpointDigest::name).toList();
    }

    private static String shorten(String hex) {
        return hex.substring(0, Math.min(SHOWN_HEX, hex.length())) + "...";
    }
}
