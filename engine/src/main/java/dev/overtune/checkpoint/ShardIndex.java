package dev.overtune.checkpoint;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The {@code weight_map} of a Hugging Face {@code model.safetensors.index.json}: tensor name to
 * shard file, each shard resolved inside the checkpoint directory.
 */
record ShardIndex(SortedMap<String, Path> shardOf) {
    private static final JsonMapper JSON = new JsonMapper();

    static ShardIndex read(Path indexFile) {
        Path dir = indexFile.toAbsolutePath().getParent();
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(indexFile));
        } catch (JacksonException e) {
            throw CheckpointException.of(indexFile, "is not valid JSON (" + e.getOriginalMessage() + ")", CheckpointException.REEXPORT);
        } catch (IOException e) {
            throw CheckpointException.of(indexFile, "cannot read (" + e + ")", "check that the file is readable");
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw CheckpointException.of(indexFile, "has no \"weight_map\" object", CheckpointException.REEXPORT);
        }
        SortedMap<String, Path> shardOf = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            if (!e.getValue().isTextual()) {
                throw CheckpointException.of(indexFile, e.getKey(), "weight_map value is not a file name", CheckpointException.REEXPORT);
            }
            shardOf.put(e.getKey(), insideDirectory(indexFile, dir, e.getKey(), e.getValue().textValue()));
        }
        return new ShardIndex(Collections.unmodifiableSortedMap(shardOf));
    }

    /*
     * Lexical check only: symlinks are followed on purpose, since the Hugging Face cache links
     * snapshot files to blobs outside the snapshot directory.
     */
    private static Path insideDirectory(Path indexFile, Path dir, String tensor, String shardName) {
        Path relative;
        try {
            relative = dir.getFileSystem().getPath(shardName);
        } catch (RuntimeException e) {
            relative = null;
        }
        Path resolved = relative == null ? null : dir.resolve(relative).normalize();
        if (relative == null || shardName.isEmpty() || relative.isAbsolute() || !resolved.startsWith(dir.normalize())
                || resolved.equals(dir.normalize())) {
            throw CheckpointException.of(indexFile, tensor, "shard " + CheckpointException.quote(shardName)
                    + " is not a file inside " + dir, "fix the index so every shard is a file name in the checkpoint directory");
        }
        return resolved;
    }
}
