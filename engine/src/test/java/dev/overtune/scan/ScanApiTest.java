package dev.overtune.scan;

import dev.overtune.probe.ProbeKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A whole small scan driven through the public API alone. */
class ScanApiTest {
    @TempDir
    static Path seriesDir;
    static List<ScanCheckpoint> series;

    @BeforeAll
    static void makeSeries() {
        series = TinySeries.make(seriesDir);
    }

    static Scan.Builder scan(Path store) {
        return Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens())
                .settings(TinySeries.settings()).store(store);
    }

    @Test
    void scanMeasuresEveryUnitAndResumesWithoutRedoingAny(@TempDir Path tmp) {
        Path store = tmp.resolve("scan.db");
        Scan.Outcome first = scan(store).run();
        int expected = series.size() * TinySeries.UNITS_PER_CHECKPOINT;
        assertEquals(expected, first.plan().units().size());
        assertEquals(expected, first.unitsRunNow());
        assertEquals(expected, first.results().size());
        for (UnitResult r : first.results()) {
            assertTrue(r.done(), r.unitId() + " failed: " + r.reason());
            assertTrue(r.metric("ood_loss") > 0, r.toString());
        }
        UnitResult ft = first.results().stream().filter(r -> r.kind() == ProbeKind.FINETUNE).findFirst().orElseThrow();
        assertEquals(4, ft.curve().size());
        assertTrue(ft.metrics().containsKey("id_val_loss") && ft.metrics().containsKey("id_test_loss"));
        // Fine-tuning on the task lowers the task loss below the base checkpoint's.
        UnitResult base = first.results().stream().filter(r -> r.kind() == ProbeKind.BASE && r.checkpoint().equals(ft.checkpoint())).findFirst().orElseThrow();
        assertTrue(ft.metric("id_val_loss") < base.metric("id_val_loss"), ft.metric("id_val_loss") + " vs " + base.metric("id_val_loss"));

        Scan.Outcome again = scan(store).run();
        assertEquals(0, again.unitsRunNow(), "a finished scan resumed must redo nothing");
        assertEquals(first.results(), again.results());
    }

    @Test
    void theGivenBackendRunsEveryUnitIsNamedInTheStoreAndStaysOpen(@TempDir Path tmp) {
        try (NamedBackend backend = new NamedBackend("test-backend", new dev.overtune.backend.OrtBackend(1))) {
            Scan.Outcome out = scan(tmp.resolve("given.db")).shard(0, 4).backend(backend).run();
            assertTrue(!out.results().isEmpty());
            out.results().forEach(r -> assertEquals("test-backend", r.backend(), r.unitId()));
            assertTrue(backend.compiled > 0, "the scan compiled its graphs on the given backend");
            assertTrue(!backend.closed, "the caller owns the backend it gave");
        }
        Scan.Outcome byDefault = scan(tmp.resolve("default.db")).shard(0, 4).run();
        byDefault.results().forEach(r -> assertEquals("onnxruntime-cpu", r.backend(), r.unitId()));
    }

    /** A backend under another name that counts what it is asked to do. */
    static final class NamedBackend implements dev.overtune.backend.Backend {
        final String name;
        final dev.overtune.backend.Backend inner;
        int compiled;
        boolean closed;

        NamedBackend(String name, dev.overtune.backend.Backend inner) {
            this.name = name;
            this.inner = inner;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Program compile(dev.overtune.graph.Graph graph) {
            compiled++;
            return inner.compile(graph);
        }

        @Override
        public void close() {
            closed = true;
            inner.close();
        }
    }

    @Test
    void shardsAreDisjointAndCoverThePlan(@TempDir Path tmp) {
        Path store = tmp.resolve("sharded.db");
        Scan.Outcome a = scan(store).shard(0, 2).run();
        Scan.Outcome b = scan(store).shard(1, 2).run();
        int total = a.plan().units().size();
        assertEquals(total, a.unitsRunNow() + b.unitsRunNow());
        Set<String> ids = b.results().stream().map(UnitResult::unitId).collect(Collectors.toSet());
        assertEquals(total, ids.size());
        assertEquals(a.plan().units().stream().map(Unit::id).collect(Collectors.toSet()), ids);
        assertThrows(IllegalArgumentException.class, () -> scan(store).shard(2, 2).run());
    }

    @Test
    void storeFromAnotherPlanIsRefused(@TempDir Path tmp) {
        Path store = tmp.resolve("scan.db");
        scan(store).shard(0, 9).run();
        ScanSettings s = TinySeries.settings();
        ScanSettings other = new ScanSettings(new ScanSettings.Eval(4, 32, 3), s.fineTune(), s.noise(), s.quant(), s.threads());
        StoreException e = assertThrows(StoreException.class, () -> scan(store).settings(other).run());
        assertTrue(e.getMessage().contains("scan.db") && e.getMessage().contains("different scan plan"), e.getMessage());
    }

    @Test
    void storeRefusesOtherHeldOutText(@TempDir Path tmp) {
        Path store = tmp.resolve("scan.db");
        scan(store).shard(0, 9).run();
        int[] other = java.util.Arrays.copyOf(TinySeries.oodTokens(), TinySeries.oodTokens().length - 1);
        StoreException e = assertThrows(StoreException.class, () -> scan(store).ood(other).run());
        assertTrue(e.getMessage().contains("held-out text"), e.getMessage());
    }

    @Test
    void corruptStoreIsReportedAndLeftUntouched(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("scan.db");
        byte[] garbage = "this is not a database, it is a shopping list".getBytes();
        Files.write(store, garbage);
        StoreException e = assertThrows(StoreException.class, () -> scan(store).run());
        assertTrue(e.getMessage().contains("scan.db") && e.getMessage().contains("left untouched"), e.getMessage());
        assertArrayEquals(garbage, Files.readAllBytes(store));
    }

    @Test
    void divergingFineTuneIsAFailedUnitAndTheRestIsMeasured(@TempDir Path tmp) {
        ScanSettings s = TinySeries.settings();
        ScanSettings.FineTune wild = new ScanSettings.FineTune(List.of(3e-3, 1e30), List.of(0L), 4, 4, 32, 0, 0.0, 0.0);
        Scan.Outcome out = scan(tmp.resolve("scan.db")).settings(new ScanSettings(s.eval(), wild, s.noise(), s.quant(), s.threads())).run();
        List<UnitResult> failed = out.results().stream().filter(r -> !r.done()).toList();
        assertEquals(series.size(), failed.size(), "one diverging fine-tune per checkpoint");
        for (UnitResult f : failed) {
            assertEquals(ProbeKind.FINETUNE, f.kind());
            assertEquals("1.0E30", f.setting().get("lr"));
            assertTrue(f.reason().contains("diverged") || f.reason().contains("is NaN") || f.reason().contains("Infinity"), f.reason());
        }
        assertEquals(out.results().size() - failed.size(), out.results().stream().filter(UnitResult::done).count());
        assertTrue(out.results().stream().anyMatch(r -> r.done() && r.kind() == ProbeKind.FINETUNE), "the sane learning rate still measured");
    }

    @Test
    void brokenCheckpointIsRecordedAsFailedAndTheScanGoesOn(@TempDir Path tmp) throws Exception {
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(series.get(0).dir().resolve("config.json"), broken.resolve("config.json"));
        byte[] weights = Files.readAllBytes(series.get(0).dir().resolve("model.safetensors"));
        Files.write(broken.resolve("model.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 2));
        List<ScanCheckpoint> withBroken = List.of(series.get(0), new ScanCheckpoint("broken", broken, 999_999));
        Scan.Outcome out = Scan.builder().series(withBroken).task(TinySeries.task()).ood(TinySeries.oodTokens())
                .settings(TinySeries.settings()).store(tmp.resolve("scan.db")).run();
        Map<Boolean, List<UnitResult>> byDone = out.results().stream().collect(Collectors.partitioningBy(UnitResult::done));
        assertEquals(TinySeries.UNITS_PER_CHECKPOINT, byDone.get(true).size());
        assertEquals(TinySeries.UNITS_PER_CHECKPOINT, byDone.get(false).size());
        for (UnitResult f : byDone.get(false)) {
            assertEquals("broken", f.checkpoint());
            assertTrue(f.reason().contains("model.safetensors"), f.reason());
        }
        Set<String> ids = new HashSet<>();
        out.results().forEach(r -> assertTrue(ids.add(r.unitId()), "stored twice: " + r.unitId()));
    }
}
