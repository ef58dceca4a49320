package dev.overtune.scan;

import dev.overtune.series.SeriesCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint re-pre-trained into the same directory keeps its name but not its weights: a store that
 * scanned the old weights must refuse it rather than count the old units as done.
 */
class CheckpointFingerprintTest {
    private static ScanPlan plan(String fingerprint) {
        ScanCheckpoint c = new ScanCheckpoint("tokens-1M", Path.of("series/tokens-1M"), 1_000_000, fingerprint);
        return ScanPlan.of(List.of(c), "task", "taskhash", "oodhash", ScanDefaults.settings());
    }

    @Test
    void fingerprintComesFromTheManifestsHashesInFileOrder() {
        SeriesCheckpoint a = new SeriesCheckpoint("c", Path.of("c"), OptionalLong.empty(), OptionalLong.of(1),
                Map.of("model.safetensors", "aa", "config.json", "bb"));
        SeriesCheckpoint same = new SeriesCheckpoint("c", Path.of("c"), OptionalLong.empty(), OptionalLong.of(1),
                Map.of("config.json", "bb", "model.safetensors", "aa"));
        SeriesCheckpoint other = new SeriesCheckpoint("c", Path.of("c"), OptionalLong.empty(), OptionalLong.of(1),
                Map.of("model.safetensors", "ab", "config.json", "bb"));
        SeriesCheckpoint none = new SeriesCheckpoint("c", Path.of("c"), OptionalLong.empty(), OptionalLong.of(1), Map.of());
        assertEquals(ScanCheckpoints.fingerprint(a), ScanCheckpoints.fingerprint(same));
        assertNotEquals(ScanCheckpoints.fingerprint(a), ScanCheckpoints.fingerprint(other));
        assertEquals("", ScanCheckpoints.fingerprint(none));
    }

    @Test
    void storeRefusesACheckpointWhoseWeightsChanged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("scan.db");
        try (ResultStore s = ResultStore.open(file, plan("f00d"), "{}")) {
            assertEquals("f00d", s.meta("fingerprint:tokens-1M"));
        }
        try (ResultStore s = ResultStore.open(file, plan("f00d"), "{}")) {
            assertEquals("f00d", s.meta("fingerprint:tokens-1M"));
        }
        try (ResultStore s = ResultStore.open(file, plan(""), "{}")) {
            assertEquals("f00d", s.meta("fingerprint:tokens-1M"), "a series without hashes neither checks nor overwrites");
        }
        StoreException e = assertThrows(StoreException.class, () -> ResultStore.open(file, plan("beef"), "{\"changed\": true}"));
        assertTrue(e.getMessage().contains("'tokens-1M'") && e.getMessage().contains("f00d vs beef") && e.getMessage().contains("another --store"),
                e.getMessage());
        try (ResultStore s = ResultStore.read(file)) {
            assertEquals("f00d", s.meta("fingerprint:tokens-1M"), "the refusal left the store as it was");
            assertEquals("{}", s.meta("plan"), "the refused plan was not written");
        }
    }
}
