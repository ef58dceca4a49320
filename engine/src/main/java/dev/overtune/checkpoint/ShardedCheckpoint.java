package dev.overtune.checkpoint;

import dev.overtune.tensor.HostTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face checkpoint directory: {@code model.safetensors}, or the shards
 * named by {@code model.safetensors.index.json}, served as one set of tensors.
 */
public final class ShardedCheckpoint implements AutoCloseable {
    static final String SINGLE_FILE = "model.safetensors";
    static final String INDEX_FILE = "model.safetensors.index.json";
    // Hugging Face Trainer state saved beside the weights; blaming these would mislead.
    private static final List<String> TRAINER_STATE = List.of("training_args.bin", "optimizer.pt", "scheduler.pt", "scaler.pt", "rng_state");

    private final Path dir;
    private final SortedMap<String, SafetensorsFile> fileOf;
    private final List<SafetensorsFile> files;

    private ShardedCheckpoint(Path dir, SortedMap<String, SafetensorsFile> fileOf, List<SafetensorsFile> files) {
        this.dir = dir;
        this.fileOf = fileOf;
        this.files = files;
    }

    public static ShardedCheckpoint open(Path dir) {
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            SortedMap<String, SafetensorsFile> fileOf = new TreeMap<>();
            file.names().forEach(n -> fileOf.put(n, file));
            return new ShardedCheckpoint(dir, fileOf, List.of(file));
        }
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openShards(dir, index, ShardIndex.read(index));
        }
        pickleIn(dir).ifPresent(CheckpointFormats::refusePickle);
        throw CheckpointException.of(dir, "no " + SINGLE_FILE + " or " + INDEX_FILE + " in " + dir,
                "point overtune at a Hugging Face checkpoint directory");
    }

    private static ShardedCheckpoint openShards(Path dir, Path index, ShardIndex shards) {
        Map<Path, SafetensorsFile> opened = new LinkedHashMap<>();
        try {
            SortedMap<String, SafetensorsFile> fileOf = new TreeMap<>();
            for (Map.Entry<String, Path> e : shards.shardOf().entrySet()) {
                Path shard = e.getValue();
                if (!opened.containsKey(shard) && !Files.isRegularFile(shard)) {
                    throw CheckpointException.of(index, e.getKey(), "shard " + shard + " does not exist",
                            "download every shard the index lists");
                }
                SafetensorsFile file = opened.computeIfAbsent(shard, SafetensorsFile::open);
                if (!file.contains(e.getKey())) {
                    throw CheckpointException.of(shard, e.getKey(), "listed in " + index.getFileName() + " but missing from this shard",
                            CheckpointException.REEXPORT);
                }
                fileOf.put(e.getKey(), file);
            }
            return new ShardedCheckpoint(dir, fileOf, List.copyOf(opened.values()));
        } catch (RuntimeException e) {
            opened.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The pickle file to blame when no safetensors weights exist, preferring Hugging Face's own names. */
    private static Optional<Path> pickleIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(CheckpointFormats::isPickle)
                    .filter(p -> TRAINER_STATE.stream().noneMatch(p.getFileName().toString()::startsWith))
                    .min(Comparator.comparing((Path p) -> !p.getFileName().toString().startsWith("pytorch_model"))
                            .thenComparing(p -> p.getFileName().toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public Path directory() {
        return dir;
    }

    /** The safetensors files the tensors come from: the single file, or every shard the index names. */
    public List<Path> files() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    /** Tensor names across all shards, sorted. */
    public List<String> names() {
        return List.copyOf(fileOf.keySet());
    }

    public boolean contains(String name) {
        return fileOf.containsKey(name);
    }

    public TensorInfo info(String name) {
        return fileFor(name).info(name);
    }

    /** The tensor {@code name}; valid until this checkpoint is closed. */
    public HostTensor tensor(String name) {
        return fileFor(name).tensor(name);
    }

    private SafetensorsFile fileFor(String name) {
        SafetensorsFile file = fileOf.get(name);
        if (file == null) {
            throw SafetensorsFile.missing(dir, name, fileOf.keySet());
        }
        return file;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
