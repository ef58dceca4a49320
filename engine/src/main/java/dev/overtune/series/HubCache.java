package dev.overtune.series;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.overtune.checkpoint.CheckpointException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model in the Hugging Face hub cache, laid out as {@code huggingface_hub} writes it:
 * {@code models--ORG--NAME/refs/<revision>} files each holding a commit hash,
 * {@code snapshots/<commit>/} holding the files of that commit as symlinks into {@code blobs/}
 * (a large file's blob is named by its SHA-256). Pythia's and OLMo's intermediate checkpoints are
 * revisions ({@code step143000}, {@code stage1-step928646-tokens3896B}), so each revision whose name
 * gives a step is a checkpoint of the series.
 */
public final class HubCache {
    static final String REFS = "refs";
    static final String SNAPSHOTS = "snapshots";
    private static final String PREFIX = "models--";
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final JsonMapper JSON = new JsonMapper();
    /** Pythia's batch: 1,024 sequences of 2,048 tokens per optimizer step. */
    public static final long PYTHIA_TOKENS_PER_STEP = 2_097_152L;

    /** One revision: its name, the commit its ref names, that commit's snapshot, and what is missing from it (empty when complete). */
    public record Revision(String name, String commit, Path snapshot, Optional<String> incomplete) {}

    private final Path modelDir;
    private final String repoId;

    private HubCache(Path modelDir) {
        this.modelDir = modelDir;
        String n = modelDir.toAbsolutePath().normalize().getFileName().toString();
        this.repoId = n.startsWith(PREFIX) ? n.substring(PREFIX.length()).replace("--", "/") : n;
    }

    /**
     * The cached model in {@code dir}: {@code dir} itself when it has {@code refs/} and
     * {@code snapshots/}, or the one {@code models--ORG--NAME} directory inside it (a hub cache root
     * holding one model). Empty when {@code dir} is no hub cache; a root holding several models is refused.
     */
    public static Optional<HubCache> find(Path dir) {
        if (isModelDir(dir)) {
            return Optional.of(new HubCache(dir));
        }
        List<Path> models = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.filter(p -> p.getFileName().toString().startsWith(PREFIX) && isModelDir(p)).sorted().forEach(models::add);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (models.size() > 1) {
            throw new CheckpointException(dir + ": a Hugging Face cache holding " + models.size() + " models ("
                    + String.join(", ", models.stream().map(p -> p.getFileName().toString()).toList())
                    + "); give the models--ORG--NAME directory of the one to use");
        }
        return models.isEmpty() ? Optional.empty() : Optional.of(new HubCache(models.getFirst()));
    }

    private static boolean isModelDir(Path dir) {
        return Files.isDirectory(dir.resolve(REFS)) && Files.isDirectory(dir.resolve(SNAPSHOTS));
    }

    public Path modelDir() {
        return modelDir;
    }

    /** {@code EleutherAI/pythia-160m} for {@code models--EleutherAI--pythia-160m}. */
    public String repoId() {
        return repoId;
    }

    /** Pythia's tokens per step when the repository is a Pythia model, else empty: the caller must say. */
    public OptionalLong defaultTokensPerStep() {
        return repoId.toLowerCase(Locale.ROOT).contains("pythia") ? OptionalLong.of(PYTHIA_TOKENS_PER_STEP) : OptionalLong.empty();
    }

    /** Every ref, by name ({@code main}, {@code step1000}, {@code refs/pr/1} as {@code pr/1}), with its snapshot checked. */
    public List<Revision> revisions() {
        Path refs = modelDir.resolve(REFS);
        List<Revision> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(refs)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = refs.relativize(f).toString().replace('\\', '/');
                String commit = Files.readString(f, StandardCharsets.UTF_8).strip();
                if (commit.isEmpty() || commit.contains("/") || commit.contains("\\") || commit.equals("..")) {
                    out.add(new Revision(name, commit, modelDir.resolve(SNAPSHOTS), Optional.of("its ref file " + f + " names no commit")));
                    continue;
                }
                Path snapshot = modelDir.resolve(SNAPSHOTS).resolve(commit);
                out.add(new Revision(name, commit, snapshot, incomplete(snapshot)));
            }
        } catch (IOException e) {
            throw new CheckpointException(refs + ": cannot read (" + e.getMessage() + "); check that the cache is readable");
        }
        return out;
    }

    /**
     * The revisions whose names give a step, as checkpoints (tokens from the name, else step ×
     * {@code tokensPerStep} when given). Incomplete snapshots are kept: {@code verify} names them.
     */
    public List<SeriesCheckpoint> checkpoints(OptionalLong tokensPerStep) {
        List<SeriesCheckpoint> out = new ArrayList<>();
        for (Revision r : revisions()) {
            Optional<CheckpointDirectoryName> parsed = CheckpointDirectoryName.parse(r.name());
            if (parsed.isEmpty()) {
                continue;
            }
            long step = parsed.get().step();
            OptionalLong tokens = parsed.get().tokens().isPresent() ? parsed.get().tokens()
                    : tokensPerStep.isPresent() ? OptionalLong.of(Math.multiplyExact(step, tokensPerStep.getAsLong())) : OptionalLong.empty();
            out.add(new SeriesCheckpoint(r.name(), r.snapshot(), OptionalLong.of(step), tokens, Map.of()));
        }
        return out;
    }

    /**
     * The SHA-256 of each weight file that the cache names by its digest (a large file's blob is
     * named by its SHA-256), so that {@code verify} can check the bytes against what the hub served.
     */
    public static Map<String, String> blobDigests(Path snapshot) {
        Map<String, String> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(snapshot)) {
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                if (n.endsWith(".safetensors") && Files.isSymbolicLink(f)) {
                    String blob = Files.readSymbolicLink(f).getFileName().toString();
                    if (SHA256_HEX.matcher(blob).matches()) {
                        out.put(n, blob);
                    }
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return out;
    }

    /** What a snapshot lacks for a checkpoint: config.json and the safetensors weights (one file, or an index and its shards). */
    static Optional<String> incomplete(Path snapshot) {
        if (!Files.isDirectory(snapshot)) {
            return Optional.of("no snapshot directory " + snapshot);
        }
        Path config = snapshot.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            return Optional.of(missing(config));
        }
        Path single = snapshot.resolve("model.safetensors");
        if (Files.isRegularFile(single)) {
            return Optional.empty();
        }
        Path index = snapshot.resolve("model.safetensors.index.json");
        if (!Files.isRegularFile(index)) {
            return Optional.of(Files.isSymbolicLink(single) ? missing(single)
                    : "no model.safetensors or model.safetensors.index.json in " + snapshot);
        }
        try {
            JsonNode map = JSON.readTree(Files.readAllBytes(index)).path("weight_map");
            for (JsonNode shard : (Iterable<JsonNode>) () -> map.elements()) {
                Path file = snapshot.resolve(shard.asText()).normalize();
                if (!file.startsWith(snapshot.normalize()) || !Files.isRegularFile(file)) {
                    return Optional.of(missing(file));
                }
            }
        } catch (JacksonException e) {
            return Optional.of(index + " is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            return Optional.of(index + ": cannot read (" + e.getMessage() + ")");
        }
        return Optional.empty();
    }

    private static String missing(Path file) {
        return Files.isSymbolicLink(file) ? file + " links to a blob that is not there (an interrupted download)" : "no " + file;
    }
}
