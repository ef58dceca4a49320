package dev.overtune.series;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The hashes of one checkpoint. {@code weightFiles} maps each safetensors file (relative to the
 * checkpoint directory) to its SHA-256; {@code otherFiles} holds other files a manifest gave a hash
 * for. {@code weightsSha256} fingerprints the tensors themselves (name, dtype, shape and bytes of
 * each), independent of file layout and metadata; it is empty when the checkpoint is unreadable.
 */
public record CheckpointDigest(String name, Map<String, String> weightFiles, Map<String, String> otherFiles, long weightBytes,
                               int tensors, Optional<String> weightsSha256) {
    public CheckpointDigest {
        weightFiles = Map.copyOf(weightFiles);
        otherFiles = Map.copyOf(otherFiles);
    }

    public boolean readable() {
        return weightsSha256.isPresent();
    }

    /** Weight and other files together, sorted by name. */
    public Map<String, String> allFiles() {
        Map<String, String> all = new TreeMap<>(otherFiles);
        all.putAll(weightFiles);
        return all;
    }
}
