package dev.overtune.series;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.overtune.checkpoint.CheckpointException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A {@code series.json}: {"format": "overtune-series/1", "name": ..., "checkpoints": [{"name", "path",
 * "tokens", "step"?, "sha256"?: {file: hex}}]}. Fields it does not know are ignored, so other tools
 * can keep their notes in it. Every path must stay inside the series directory.
 */
public record SeriesManifest(String name, List<SeriesCheckpoint> checkpoints) {
    /** The manifest's file name in a series directory; written by {@code overtune pretrain}, read here. */
    public static final String FILE = "series.json";
    /** The format tag both sides check. */
    public static final String FORMAT = "overtune-series/1";
    private static final String FIX = "fix " + FILE + " (format " + FORMAT + ")";
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    static SeriesManifest read(Path seriesDir) {
        Path file = seriesDir.resolve(FILE);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw error(file, "is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e + "); check that it is readable");
        }
        if (root == null || !root.isObject()) {
            throw error(file, "is not a JSON object");
        }
        JsonNode format = root.get("format");
        if (format == null || !format.isTextual() || !format.textValue().equals(FORMAT)) {
            throw error(file, "\"format\" is " + (format == null ? "missing" : format.toString()) + ", expected \"" + FORMAT + "\"");
        }
        JsonNode entries = root.get("checkpoints");
        if (entries == null || !entries.isArray() || entries.isEmpty()) {
            throw error(file, "has no \"checkpoints\" array with at least one entry");
        }
        List<SeriesCheckpoint> checkpoints = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            SeriesCheckpoint c = checkpoint(file, seriesDir, "checkpoints[" + i + "]", entries.get(i));
            if (!names.add(c.name())) {
                throw error(file, "checkpoints[" + i + "]: name '" + c.name() + "' is used twice");
            }
            checkpoints.add(c);
        }
        JsonNode name = root.get("name");
        String seriesName = name != null && name.isTextual() && !name.textValue().isBlank() ? name.textValue() : directoryName(seriesDir);
        return new SeriesManifest(seriesName, List.copyOf(checkpoints));
    }

    private static SeriesCheckpoint checkpoint(Path file, Path seriesDir, String where, JsonNode entry) {
        if (!entry.isObject()) {
            throw error(file, where + " is not a JSON object");
        }
        String name = requiredText(file, where, entry, "name");
        String path = requiredText(file, where, entry, "path");
        Path dir = inside(seriesDir, path).orElseThrow(() -> error(file, where + " (" + name + "): path '" + path
                + "' is not a directory inside the series directory " + seriesDir));
        long tokens = count(file, where, entry, "tokens").orElseThrow(() -> error(file, where + " (" + name + "): \"tokens\" is missing"));
        OptionalLong step = count(file, where, entry, "step");
        return new SeriesCheckpoint(name, dir, step, OptionalLong.of(tokens), hashes(file, where + " (" + name + ")", dir, entry.get("sha256")));
    }

    private static Map<String, String> hashes(Path file, String where, Path checkpointDir, JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw error(file, where + ": \"sha256\" is not an object of file name to hex digest");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (inside(checkpointDir, e.getKey()).isEmpty()) {
                throw error(file, where + ": sha256 file '" + e.getKey() + "' is not a file inside " + checkpointDir);
            }
            if (!e.getValue().isTextual() || !SHA256_HEX.matcher(e.getValue().textValue()).matches()) {
                throw error(file, where + ": sha256 of '" + e.getKey() + "' is not 64 hex digits");
            }
            out.put(e.getKey(), e.getValue().textValue().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static String requiredText(Path file, String where, JsonNode entry, String field) {
        JsonNode v = entry.get(field);
        if (v == null || !v.isTextual() || v.textValue().isBlank()) {
            throw error(file, where + ": \"" + field + "\" is missing or not a non-empty string");
        }
        return v.textValue();
    }

    private static OptionalLong count(Path file, String where, JsonNode entry, String field) {
        JsonNode v = entry.get(field);
        if (v == null || v.isNull()) {
            return OptionalLong.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw error(file, where + ": \"" + field + "\" is " + v + ", not a non-negative integer");
        }
        return OptionalLong.of(v.longValue());
    }

    /*
     * Lexical check only, as for shard indexes: a symlinked checkpoint directory is followed on
     * purpose (the Hugging Face cache links snapshots to blobs elsewhere); "../x" and "/x" are refused.
     */
    static Optional<Path> inside(Path dir, String relative) {
        Path p;
        try {
            p = dir.getFileSystem().getPath(relative);
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        Path base = dir.toAbsolutePath().normalize();
        Path resolved = base.resolve(p).normalize();
        if (relative.isEmpty() || p.isAbsolute() || !resolved.startsWith(base) || resolved.equals(base)) {
            return Optional.empty();
        }
        return Optional.of(resolved);
    }

    static String directoryName(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }

    private static CheckpointException error(Path file, String problem) {
        return new CheckpointException(file + ": " + problem + "; " + FIX);
    }
}
