package dev.overtune.scan;

import dev.overtune.checkpoint.CheckpointException;
import dev.overtune.series.CheckpointSeries;
import dev.overtune.series.SeriesCheckpoint;

import java.util.ArrayList;
import java.util.List;

/** The checkpoints of a discovered series, as a scan needs them: every one with its token count. */
public final class ScanCheckpoints {
    private ScanCheckpoints() {}

    public static List<ScanCheckpoint> of(CheckpointSeries series) {
        List<ScanCheckpoint> out = new ArrayList<>();
        for (SeriesCheckpoint c : series.checkpoints()) {
            if (c.tokens().isEmpty()) {
                throw new CheckpointException(c.directory() + ": no pre-training token count; name checkpoints like Pythia's "
                        + "stepN with --tokens-per-step, like OLMo's ...-tokensNB, or list them in series.json");
            }
            out.add(new ScanCheckpoint(c.name(), c.directory(), c.tokens().getAsLong()));
        }
        return out;
    }
}
