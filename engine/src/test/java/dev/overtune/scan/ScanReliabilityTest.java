package dev.overtune.scan;

import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.findings.ScanAnalysis;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.ProbeKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scan's edges: weights changed in place, finite blow-ups, failed units retried, two scans on one store, read-only stores. */
class ScanReliabilityTest {
    @TempDir
    static Path seriesDir;
    static List<ScanCheckpoint> series;

    @BeforeAll
    static void makeSeries() {
        series = TinySeries.make(seriesDir);
    }

    static Scan.Builder scan(List<ScanCheckpoint> checkpoints, Path store, ScanSettings settings) {
        return Scan.builder().series(checkpoints).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(settings).store(store);
    }

    static ScanSettings withFineTune(List<Double> lrs, List<Long> seeds) {
        ScanSettings s = TinySeries.settings();
        ScanSettings.FineTune f = s.fineTune();
        return new ScanSettings(s.eval(), new ScanSettings.FineTune(lrs, seeds, f.steps(), f.batchSize(), f.seqLen(), f.warmupSteps(),
                f.weightDecay(), f.l2ToInit()), s.noise(), s.quant(), s.threads());
    }

    private static int count(Path store) {
        try (ResultStore s = ResultStore.read(store)) {
            return s.results().size();
        }
    }

    @Test
    void aCheckpointEditedInPlaceIsRefusedWhateverSeriesJsonSays(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("series");
        List<ScanCheckpoint> own = new ArrayList<>();
        for (ScanCheckpoint c : series) {
            copyDir(c.dir(), dir.resolve(c.name()));
            // The same manifest hashes on both scans: series.json was not updated when the weights changed.
            own.add(new ScanCheckpoint(c.name(), dir.resolve(c.name()), c.tokens(), "stale-series-json"));
        }
        Path store = tmp.resolve("scan.db");
        scan(own, store, withFineTune(List.of(3e-3), List.of(0L))).run();
        int before = count(store);

        LanguageModel model = ModelConfigs.resolve("tiny");
        try (Arena arena = Arena.ofConfined()) {
            ParamStore other = ParamStore.allocate(arena, model.params());
            other.initialize(99);
            ModelWeights.save(dir.resolve("step4"), model, other, Map.of());
        }
        // One lane: a sibling lane may finish a unit of an unchanged checkpoint before the refusal stops the scan,
        // which would be a correct row but not the "nothing stored" this checks.
        StoreException e = assertThrows(StoreException.class, () -> scan(own, store, withFineTune(List.of(3e-3), List.of(0L, 1L))).lanes(1).run());
        assertTrue(e.getMessage().contains("step4") && e.getMessage().contains("not the ones scanned into") && e.getMessage().contains("restore"),
                e.getMessage());
        assertEquals(before, count(store), "nothing measured on the new weights was stored");
    }

    @Test
    void aFiniteBlowUpIsAFailedUnitMarkedDivergedAndNeverANumberInTheAnalysis(@TempDir Path tmp) {
        Scan.Outcome out = scan(series, tmp.resolve("scan.db"), withFineTune(List.of(1000.0), List.of(0L))).run();
        List<UnitResult> ft = out.results().stream().filter(r -> r.kind() == ProbeKind.FINETUNE).toList();
        assertEquals(series.size(), ft.size());
        for (UnitResult r : ft) {
            assertTrue(!r.done() && Divergence.isDiverged(r), r.toString());
            assertTrue(r.metrics().isEmpty(), "a diverged unit keeps no number: " + r.metrics());
        }
        ScanAnalysis a = ScanAnalysis.of(out.results());
        assertEquals(series.size(), a.failedUnits().size());
        String table = dev.overtune.report.Report.table(a);
        assertTrue(table.contains("diverged: "), table);
    }

    @Test
    void divergenceIsJudgedByTheVocabulary() {
        assertNull(Divergence.judge(Map.of("id_val_loss", 5.0, "id_val_accuracy", 0.4), 256));
        String blowUp = Divergence.judge(Map.of("id_val_loss", 1.6e8), 256);
        assertTrue(blowUp.startsWith("diverged: id_val_loss is 1.600e+08, above 2·ln V = 11.090"), blowUp);
        assertTrue(Divergence.judge(Map.of("ood_loss", Double.NaN), 256).startsWith("diverged: ood_loss is NaN"));
        assertTrue(Divergence.judge(Map.of("train_loss_last", 12.0), 256).startsWith("diverged: train_loss_last"));
        assertNull(Divergence.judge(Map.of("ood_loss", 12.0), 50257), "12 nats is under 2·ln 50257");
    }

    @Test
    void failedUnitsAreCountedAtStartAndRetriedOnRequest(@TempDir Path tmp) throws Exception {
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(series.get(0).dir().resolve("config.json"), broken.resolve("config.json"));
        byte[] weights = Files.readAllBytes(series.get(0).dir().resolve("model.safetensors"));
        Files.write(broken.resolve("model.safetensors"), Arrays.copyOf(weights, weights.length / 2));
        List<ScanCheckpoint> withBroken = new ArrayList<>(series.subList(0, 1));
        withBroken.add(new ScanCheckpoint("broken", broken, 1000));
        Path store = tmp.resolve("scan.db");
        Scan.Outcome first = scan(withBroken, store, TinySeries.settings()).run();
        long failed = first.results().stream().filter(r -> !r.done()).count();
        assertEquals(TinySeries.UNITS_PER_CHECKPOINT, failed);

        Files.write(broken.resolve("model.safetensors"), weights); // the checkpoint is fixed
        int[] seen = new int[4];
        ScanListener counts = new ScanListener() {
            @Override
            public void started(int inPlan, int pending, int failedStored, int retrying) {
                seen[0] = pending;
                seen[1] = failedStored;
                seen[2] = retrying;
            }
        };
        Scan.Outcome plain = scan(withBroken, store, TinySeries.settings()).listener(counts).run();
        assertEquals(0, plain.unitsRunNow());
        assertArrayEquals(new int[] {0, (int) failed, 0, 0}, seen, "a scan says how many are failed whenever it starts");

        Scan.Outcome retried = scan(withBroken, store, TinySeries.settings()).retryFailed(true).listener(counts).run();
        assertArrayEquals(new int[] {(int) failed, (int) failed, (int) failed, 0}, seen);
        assertEquals(failed, retried.unitsRunNow());
        assertEquals(2 * TinySeries.UNITS_PER_CHECKPOINT, retried.results().size(), "failed rows replaced, not added");
        assertTrue(retried.results().stream().allMatch(UnitResult::done));
        Map<String, Double> firstDone = new java.util.HashMap<>();
        first.results().stream().filter(UnitResult::done).forEach(r -> firstDone.put(r.unitId(), r.metric("ood_loss")));
        retried.results().stream().filter(r -> firstDone.containsKey(r.unitId()))
                .forEach(r -> assertEquals(firstDone.get(r.unitId()), r.metric("ood_loss"), "done units untouched"));
    }

    @Test
    void twoScansOnOneStoreSplitThePlanAndRunEachUnitOnce(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("scan.db");
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        ScanListener record = new ScanListener() {
            @Override
            public void unitFinished(UnitResult r, int finished, int pending) {
                ran.add(r.unitId());
            }
        };
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            List<Future<Scan.Outcome>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(two.submit(() -> scan(series, store, TinySeries.settings()).listener(record).run()));
            }
            int total = series.size() * TinySeries.UNITS_PER_CHECKPOINT;
            int a = runs.get(0).get().unitsRunNow();
            int b = runs.get(1).get().unitsRunNow();
            assertEquals(total, a + b, "each unit run by exactly one scan (" + a + " + " + b + ")");
            assertEquals(total, new HashSet<>(ran).size());
            assertEquals(total, ran.size(), "no unit run twice");
            assertEquals(total, count(store));
        } finally {
            two.shutdownNow();
        }
        assertEquals(List.of(), StoreFixtures.sideFiles(store));
    }

    @Test
    void aCompleteStoreOnReadOnlyMediaResumesAsANoOp(@TempDir Path tmp) throws Exception {
        Path place = Files.createDirectory(tmp.resolve("ro"));
        Path store = place.resolve("scan.db");
        Scan.Outcome first = scan(series, store, TinySeries.settings()).run();
        byte[] before = Files.readAllBytes(store);
        try (ReadOnlyPlace ignored = ReadOnlyPlace.lock(place)) {
            Scan.Outcome again = scan(series, store, TinySeries.settings()).run();
            assertEquals(0, again.unitsRunNow());
            assertEquals(first.results(), again.results());
        }
        assertArrayEquals(before, Files.readAllBytes(store), "a no-op resume writes nothing");
        assertEquals(List.of(), StoreFixtures.sideFiles(store));
    }

    private static void copyDir(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @SuppressWarnings("unused")
    private static Set<String> ids(List<UnitResult> rs) {
        Set<String> out = new HashSet<>();
        rs.forEach(r -> out.add(r.unitId()));
        return out;
    }
}
