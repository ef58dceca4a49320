package dev.overtune.series;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Series from a Hugging Face cache directory, built here the way huggingface_hub writes one. */
class HubCacheTest {
    @TempDir Path tmp;

    /**
     * {@code hub/models--ORG--NAME/}: each file of a revision stored once in {@code blobs/} (a
     * safetensors file under its SHA-256, as LFS files are), {@code snapshots/<commit>/} of relative
     * symlinks into it, and {@code refs/<revision>} holding the commit.
     */
    static final class HubWriter {
        final Path model;
        private int commits;

        HubWriter(Path hub, String repoId) throws IOException {
            model = hub.resolve("models--" + repoId.replace("/", "--"));
            Files.createDirectories(model.resolve("blobs"));
            Files.createDirectories(model.resolve("refs"));
            Files.createDirectories(model.resolve("snapshots"));
        }

        /** A revision whose files are those of {@code checkpoint}; returns the commit. */
        String revision(String name, Path checkpoint) throws Exception {
            String commit = String.format("%040x", 0xc0ffee00L + ++commits);
            Path snapshot = Files.createDirectories(model.resolve("snapshots").resolve(commit));
            try (Stream<Path> files = Files.list(checkpoint)) {
                for (Path f : files.sorted().toList()) {
                    String sha = TinyCheckpoints.sha256(f);
                    // Small text files are git blobs (named by their git hash); weights are LFS (named by SHA-256).
                    String blob = f.toString().endsWith(".safetensors") ? sha : sha.substring(0, 40);
                    Path target = model.resolve("blobs").resolve(blob);
                    if (!Files.exists(target)) {
                        Files.copy(f, target);
                    }
                    Files.createSymbolicLink(snapshot.resolve(f.getFileName()), Path.of("../../blobs").resolve(blob));
                }
            }
            ref(name, commit);
            return commit;
        }

        void ref(String name, String commit) throws IOException {
            Files.writeString(model.resolve("refs").resolve(name), commit);
        }
    }

    private HubWriter pythia() throws Exception {
        HubWriter hub = new HubWriter(tmp.resolve("hub"), "EleutherAI/pythia-tiny");
        hub.revision("step1000", TinyCheckpoints.write(tmp.resolve("c1"), 1));
        String second = hub.revision("step2000", TinyCheckpoints.write(tmp.resolve("c2"), 2));
        hub.ref("main", second);
        // An interrupted download: the snapshot links to a blob that never arrived.
        String third = hub.revision("step3000", TinyCheckpoints.write(tmp.resolve("c3"), 3));
        Path weights = hub.model.resolve("snapshots").resolve(third).resolve("model.safetensors");
        Files.delete(hub.model.resolve("blobs").resolve(Files.readSymbolicLink(weights).getFileName()));
        return hub;
    }

    @Test
    void initWritesSeriesJsonFromRevisions() throws Exception {
        HubWriter hub = pythia();
        HubCache cache = HubCache.find(tmp.resolve("hub")).orElseThrow();
        assertEquals("EleutherAI/pythia-tiny", cache.repoId());
        SeriesInit.Result r = SeriesInit.write(cache, hub.model.resolve("series.json"), OptionalLong.empty());

        assertEquals(List.of("step1000", "step2000"), r.checkpoints().stream().map(SeriesCheckpoint::name).toList());
        assertEquals(OptionalLong.of(HubCache.PYTHIA_TOKENS_PER_STEP), r.tokensPerStep(), "Pythia's default, said so");
        assertEquals(List.of("main"), r.skipped());
        assertEquals(1, r.incomplete().size());
        assertEquals("step3000", r.incomplete().getFirst().name());
        assertTrue(r.incomplete().getFirst().incomplete().orElseThrow().contains("interrupted download"));

        JsonNode json = new ObjectMapper().readTree(hub.model.resolve("series.json").toFile());
        assertEquals(2097152L, json.get("tokens_per_step").asLong());
        JsonNode first = json.get("checkpoints").get(0);
        assertEquals(1000L * 2097152L, first.get("tokens").asLong());
        assertEquals(1000L, first.get("step").asLong());
        assertTrue(first.get("path").asText().startsWith("snapshots/"));
        assertEquals(64, first.get("sha256").get("model.safetensors").asText().length(), "the LFS blob's name is its SHA-256");

        // The written series.json is what discover reads now, and every hash it promises holds.
        CheckpointSeries series = CheckpointSeries.discover(hub.model, OptionalLong.empty());
        assertEquals(SeriesManifest.FILE, series.source());
        assertEquals(List.of(1000L * 2097152L, 2000L * 2097152L), series.checkpoints().stream().map(c -> c.tokens().getAsLong()).toList());
        assertTrue(SeriesVerifier.verify(series).clean(), () -> SeriesVerifier.verify(series).findings().toString());
    }

    @Test
    void verifyReadsTheCacheDirectlyAndNamesTheIncompleteSnapshot() throws Exception {
        HubWriter hub = pythia();
        CheckpointSeries series = CheckpointSeries.discover(hub.model, OptionalLong.of(1024));
        assertEquals("Hugging Face cache revisions", series.source());
        assertEquals(List.of("step1000", "step2000", "step3000"), series.checkpoints().stream().map(SeriesCheckpoint::name).toList());
        assertEquals(2000L * 1024, series.checkpoints().get(1).tokens().getAsLong());

        VerifyReport report = SeriesVerifier.verify(series);
        assertFalse(report.clean());
        List<Finding> unreadable = report.findings().stream().filter(f -> f.kind() == Finding.Kind.UNREADABLE).toList();
        assertEquals(1, unreadable.size(), report.findings().toString());
        assertEquals(List.of("step3000"), unreadable.getFirst().checkpoints());
        // It went on: the two complete snapshots were hashed and read.
        assertEquals(2, report.digests().stream().filter(CheckpointDigest::readable).count());
    }

    @Test
    void olmoRevisionsCarryTheirTokensAndOtherStepOnlyNamesNeedTokensPerStep() throws Exception {
        HubWriter olmo = new HubWriter(tmp.resolve("olmo"), "allenai/OLMo-tiny-hf");
        olmo.revision("stage1-step1000-tokens4B", TinyCheckpoints.write(tmp.resolve("o1"), 1));
        olmo.revision("stage1-step2000-tokens8B", TinyCheckpoints.write(tmp.resolve("o2"), 2));
        SeriesInit.Result r = SeriesInit.write(HubCache.find(olmo.model).orElseThrow(), olmo.model.resolve("series.json"), OptionalLong.empty());
        assertEquals(List.of(4_000_000_000L, 8_000_000_000L), r.checkpoints().stream().map(c -> c.tokens().getAsLong()).toList());
        assertTrue(r.tokensPerStep().isEmpty());

        HubWriter other = new HubWriter(tmp.resolve("other"), "me/my-run");
        other.revision("step10", TinyCheckpoints.write(tmp.resolve("m1"), 1));
        HubCache cache = HubCache.find(other.model).orElseThrow();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SeriesInit.write(cache, other.model.resolve("series.json"), OptionalLong.empty()));
        assertTrue(e.getMessage().contains("step10") && e.getMessage().contains("--tokens-per-step"), e.getMessage());
        assertEquals(10L * 4096, SeriesInit.write(cache, other.model.resolve("series.json"), OptionalLong.of(4096))
                .checkpoints().getFirst().tokens().getAsLong());
    }

    @Test
    void seriesJsonOutsideTheCacheIsRefused() throws Exception {
        HubWriter hub = pythia();
        HubCache cache = HubCache.find(hub.model).orElseThrow();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SeriesInit.write(cache, tmp.resolve("elsewhere").resolve("series.json"), OptionalLong.empty()));
        assertTrue(e.getMessage().contains("--out") && e.getMessage().contains(hub.model.toString()), e.getMessage());
    }
}
