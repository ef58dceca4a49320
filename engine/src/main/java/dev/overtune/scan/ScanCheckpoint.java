package dev.overtune.scan;

import java.nio.file.Path;

/** One checkpoint of a series as the scan sees it: a name, its directory, its pre-training tokens. */
public record ScanCheckpoint(String name, Path dir, long tokens) {}
