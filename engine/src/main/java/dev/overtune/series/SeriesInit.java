package dev.overtune.series;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.checkpoint.CheckpointException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Writes a {@code series.json} for the revisions of a model in the Hugging Face cache: one checkpoint
 * per revision named like a step ({@code step1000}: tokens = step × tokens per step;
 * {@code stage1-step1000-tokens4B}: tokens from the name), each checked for config.json and its
 * safetensors weights. Incomplete snapshots are left out and named; revisions named otherwise
 * ({@code main}) are listed as skipped.
 */
public final class SeriesInit {
    private SeriesInit() {}

    /**
     * @param checkpoints what went into series.json, in pre-training order
     * @param incomplete  revisions left out, each with what its snapshot lacks
     * @param skipped     revisions whose names give no step
     * @param tokensPerStep what step-only names were multiplied by, if any were
     */
    public record Result(Path file, String name, List<SeriesCheckpoint> checkpoints, List<HubCache.Revision> incomplete,
                         List<String> skipped, OptionalLong tokensPerStep) {}

    /**
     * @param out           the series.json to write; its directory must hold the snapshots (the model directory or above it)
     * @param tokensPerStep tokens per optimizer step for step-only revision names; empty for Pythia's default, or none
     */
    public static Result write(HubCache cache, Path out, OptionalLong tokensPerStep) {
        Path seriesDir = out.toAbsolutePath().normalize().getParent();
        Path snapshots = cache.modelDir().toAbsolutePath().normalize().resolve(HubCache.SNAPSHOTS);
        if (seriesDir == null || !snapshots.startsWith(seriesDir)) {
            throw new IllegalArgumentException("--out " + out + ": series.json must sit in " + cache.modelDir()
                    + " or a directory above it, since its checkpoint paths stay inside its own directory");
        }
        if (tokensPerStep.isPresent() && tokensPerStep.getAsLong() <= 0) {
            throw new IllegalArgumentException("--tokens-per-step must be positive, got " + tokensPerStep.getAsLong());
        }
        OptionalLong perStep = tokensPerStep.isPresent() ? tokensPerStep : cache.defaultTokensPerStep();
        List<HubCache.Revision> incomplete = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<SeriesCheckpoint> checkpoints = new ArrayList<>();
        boolean usedPerStep = false;
        for (HubCache.Revision r : cache.revisions()) {
            var parsed = CheckpointDirectoryName.parse(r.name());
            if (parsed.isEmpty()) {
                skipped.add(r.name());
                continue;
            }
            if (r.incomplete().isPresent()) {
                incomplete.add(r);
                continue;
            }
            long step = parsed.get().step();
            long tokens;
            if (parsed.get().tokens().isPresent()) {
                tokens = parsed.get().tokens().getAsLong();
            } else if (perStep.isPresent()) {
                tokens = Math.multiplyExact(step, perStep.getAsLong());
                usedPerStep = true;
            } else {
                throw new IllegalArgumentException(cache.modelDir() + ": revision " + r.name() + " gives a step but no tokens; pass"
                        + " --tokens-per-step N (the run's batch size × sequence length; Pythia's is " + HubCache.PYTHIA_TOKENS_PER_STEP + ")");
            }
            checkpoints.add(new SeriesCheckpoint(r.name(), r.snapshot(), OptionalLong.of(step), OptionalLong.of(tokens),
                    HubCache.blobDigests(r.snapshot())));
        }
        if (checkpoints.isEmpty()) {
            throw new CheckpointException(cache.modelDir() + ": no complete revision named like step1000 or stage1-step1000-tokens4B"
                    + (incomplete.isEmpty() ? "" : " (" + incomplete.size() + " incomplete: " + incomplete.getFirst().incomplete().orElseThrow() + ")")
                    + "; download the intermediate checkpoints as revisions (revision=\"step1000\")");
        }
        checkpoints.sort(SeriesCheckpoint.PRE_TRAINING_ORDER);
        OptionalLong recordedPerStep = usedPerStep ? perStep : OptionalLong.empty();
        writeJson(out, seriesDir, cache, checkpoints, recordedPerStep);
        return new Result(out, cache.repoId(), List.copyOf(checkpoints), List.copyOf(incomplete), List.copyOf(skipped), recordedPerStep);
    }

    private static void writeJson(Path out, Path seriesDir, HubCache cache, List<SeriesCheckpoint> checkpoints, OptionalLong perStep) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("format", SeriesManifest.FORMAT);
        root.put("name", cache.repoId());
        root.put("source", "huggingface-cache");
        root.put("repo_id", cache.repoId());
        if (perStep.isPresent()) {
            root.put("tokens_per_step", perStep.getAsLong());
        }
        ArrayNode list = root.putArray("checkpoints");
        for (SeriesCheckpoint c : checkpoints) {
            ObjectNode o = list.addObject();
            o.put("name", c.name());
            o.put("path", seriesDir.relativize(c.directory().toAbsolutePath().normalize()).toString().replace('\\', '/'));
            o.put("tokens", c.tokens().getAsLong());
            o.put("step", c.step().getAsLong());
            o.put("revision", c.name());
            o.put("commit", c.directory().getFileName().toString());
            if (!c.expectedSha256().isEmpty()) {
                ObjectNode hashes = o.putObject("sha256");
                c.expectedSha256().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> hashes.put(e.getKey(), e.getValue()));
            }
        }
        try {
            Files.writeString(out, new JsonMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }
}
