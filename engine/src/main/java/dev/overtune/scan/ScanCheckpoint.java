package dev.overtune.scan;

import java.nio.file.Path;

/**
 * One checkpoint of a series as the scan sees it: a name, its directory, its pre-training tokens, and a
 * fingerprint of its weights ("" where the series records no file hashes). A store keeps each name's
 * fingerprint, so results of a checkpoint that was since replaced under the same name are never mixed
 * with the new one's.
 */
public record ScanCheckpoint(String name, Path dir, long tokens, String fingerprint) {
    public ScanCheckpoint(String name, Path dir, long tokens) {
        this(name, dir, tokens, "");
    }
}
