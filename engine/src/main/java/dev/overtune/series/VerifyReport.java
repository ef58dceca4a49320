package dev.overtune.series;

import java.util.List;

/** What verifying a series found: the hashes of every checkpoint (in series order) and every finding. */
public record VerifyReport(CheckpointSeries series, List<CheckpointDigest> digests, List<Finding> findings) {
    public VerifyReport {
        digests = List.copyOf(digests);
        findings = List.copyOf(findings);
    }

    public boolean clean() {
        return findings.isEmpty();
    }
}
