package dev.overtune.scan;

import dev.overtune.checkpoint.CheckpointException;
import dev.overtune.series.CheckpointSeries;
import dev.overtune.series.SeriesCheckpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** The checkpoints of a discovered series, as a scan needs them: every one with its token count. */
public final class ScanCheckpoints {
    private ScanCheckpoints() {}

    /** The sha256 of every weight file the series manifest records, hashed together; "" where it records none. */
    static String fingerprint(SeriesCheckpoint c) {
        if (c.expectedSha256().isEmpty()) {
            return "";
        }
        StringBuilder files = new StringBuilder();
        new TreeMap<>(c.expectedSha256()).forEach((file, sha) -> files.append(file).append('=').append(sha).append(';'));
        return Unit.sha256(files.toString()).substring(0, 16);
    }

    public static List<ScanCheckpoint> of(CheckpointSeries series) {
        List<ScanCheckpoint> out = new ArrayList<>();
        for (SeriesCheckpoint c : series.checkpoints()) {
            if (c.tokens().isEmpty()) {
                throw new CheckpointException(c.directory() + ": no pre-training token count; name checkpoints like Pythia's "
                        + "stepN with --tokens-per-step, like OLMo's ...-tokensNB, or list them in series.json");
            }
            out.add(new ScanCheckpoint(c.name(), c.directory(), c.tokens().getAsLong(), fingerprint(c)));
        }
        return out;
    }
}
