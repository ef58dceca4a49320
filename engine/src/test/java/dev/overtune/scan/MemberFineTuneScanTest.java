package dev.overtune.scan;

import dev.overtune.probe.MetricKeys;
import dev.overtune.probe.Probe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fine-tunes trained together in one member-axis training graph store what the one-by-one path stores. */
class MemberFineTuneScanTest {
    /** Measured: the largest relative difference of a stored fine-tune metric is printed; 1e-5 is the bound. */
    private static final double RELATIVE = 1e-5;
    private static final double DIVERGING_LR = 1e30;

    @Test
    void fineTunesTrainedTogetherStoreTheOneByOneResults(@TempDir Path dir) throws IOException {
        List<ScanCheckpoint> series = TinySeries.make(dir.resolve("series")).subList(0, 2);
        ScanSettings s = TinySeries.settings(1);
        ScanSettings.FineTune f = s.fineTune();
        // Three rates (one absurd: it diverges) × two seeds: six fine-tunes per checkpoint, in groups of 3 + 3 (at most
        // four: groups of equal size) or 2 + 2 + 2.
        ScanSettings settings = new ScanSettings(s.eval(), new ScanSettings.FineTune(List.of(1e-3, DIVERGING_LR, 3e-3), List.of(0L, 1L),
                f.steps(), f.batchSize(), f.seqLen(), f.warmupSteps(), 0.1, 0.5), s.noise(), s.quant(), s.threads());
        Map<String, UnitResult> alone = scan(series, settings, dir.resolve("alone.db"), 1, null);
        Map<String, UnitResult> byThree = scan(series, settings, dir.resolve("byThree.db"), 4, dir.resolve("keptByThree"));
        Map<String, UnitResult> byTwo = scan(series, settings, dir.resolve("twos.db"), 2, dir.resolve("keptByTwo"));
        assertEquals(alone.keySet(), byThree.keySet(), "the same units, under the same ids");
        assertEquals(alone.keySet(), byTwo.keySet(), "the same units, under the same ids");
        double worst = 0;
        int done = 0;
        int failed = 0;
        for (UnitResult a : alone.values()) {
            if (!(a.probe() instanceof Probe.FineTune ft)) {
                continue;
            }
            UnitResult b = byThree.get(a.unitId());
            UnitResult c = byTwo.get(a.unitId());
            String what = a.checkpoint() + " lr=" + ft.lr() + " seed=" + ft.seed();
            assertEquals(a.status(), b.status(), what);
            assertEquals(b.status(), c.status(), what);
            if (ft.lr() == DIVERGING_LR) {
                assertTrue(!a.done() && a.reason().startsWith(Divergence.PREFIX), what + ": " + a.reason());
                // The same step and cause; the last finite loss it quotes may differ in its last bits.
                assertEquals(a.reason().substring(0, a.reason().indexOf(';')), b.reason().substring(0, b.reason().indexOf(';')), what);
                assertEquals(b.reason(), c.reason(), what);
                failed++;
                continue;
            }
            assertTrue(a.done(), what + ": " + a.reason());
            assertTrue(b.metrics().keySet().containsAll(ft.metrics()), what + ": " + b.metrics().keySet());
            assertEquals(a.metrics().keySet(), b.metrics().keySet(), what);
            for (Map.Entry<String, Double> m : a.metrics().entrySet()) {
                double x = m.getValue();
                double y = b.metrics().get(m.getKey());
                worst = Math.max(worst, Math.abs(x - y) / Math.max(1e-9, Math.abs(x)));
                assertTrue(Math.abs(x - y) <= RELATIVE * Math.max(1e-9, Math.abs(x)), what + " " + m.getKey() + ": one by one " + x + ", together " + y);
            }
            assertEquals(a.curve().size(), b.curve().size(), what);
            for (int i = 0; i < a.curve().size(); i++) {
                assertTrue(Math.abs(a.curve().get(i) - b.curve().get(i)) <= RELATIVE * Math.abs(a.curve().get(i)), what + " step " + i);
            }
            double[] sa = a.samples(MetricKeys.OOD_LOSS);
            double[] sb = b.samples(MetricKeys.OOD_LOSS);
            for (int i = 0; i < sa.length; i++) {
                assertTrue(Math.abs(sa[i] - sb[i]) <= RELATIVE * Math.abs(sa[i]), what + " OOD window " + i);
            }
            // Grouped 3 + 3 or 2 + 2 + 2 (a resumed or sharded scan groups differently): the same bits.
            assertEquals(b.metrics(), c.metrics(), what + ": groups of three against groups of two");
            assertEquals(b.curve(), c.curve(), what);
            assertArrayEquals(b.samples(MetricKeys.OOD_LOSS), c.samples(MetricKeys.OOD_LOSS), what);
            String lr = b.setting().get("lr");
            Path keptByThree = new FineTunedCheckpoints(dir.resolve("keptByThree"), null).dir(b.checkpoint(), lr, b.seed()).resolve("model.safetensors");
            Path keptByTwo = new FineTunedCheckpoints(dir.resolve("keptByTwo"), null).dir(b.checkpoint(), lr, b.seed()).resolve("model.safetensors");
            assertArrayEquals(Files.readAllBytes(keptByThree), Files.readAllBytes(keptByTwo), what + ": the kept fine-tuned weights");
            done++;
        }
        System.out.printf("fine-tunes together against one by one: largest relative difference of a stored metric %.2e%n", worst);
        assertTrue(worst > 0, "bit-identical to one by one: the member path did not run");
        assertEquals(2 * 2, failed, "the diverging rate's units of both checkpoints fail, and only they");
        assertEquals(2 * 4, done);
        // Each member trained with its own rate and seed: another seed sees another first batch, another rate ends elsewhere.
        String first = series.get(0).name();
        UnitResult lowSeed0 = find(byThree, first, 1e-3, 0);
        assertNotEquals(lowSeed0.curve().get(0), find(byThree, first, 1e-3, 1).curve().get(0), "seeds 0 and 1 saw the same first batch");
        assertEquals(lowSeed0.curve().get(0), find(byThree, first, 3e-3, 0).curve().get(0), "the same seed starts on the same batch");
        assertNotEquals(lowSeed0.metrics().get(MetricKeys.TRAIN_LOSS_LAST), find(byThree, first, 3e-3, 0).metrics().get(MetricKeys.TRAIN_LOSS_LAST),
                "rates 1e-3 and 3e-3 ended on the same loss");
    }

    /**
     * A scan resumed with one fine-tune pending trains it alone (a graph with a spare slot) and stores the bits the
     * uninterrupted scan stored for it in a group.
     */
    @Test
    void aResumedScansLoneFineTuneStoresWhatItsGroupStored(@TempDir Path dir) throws Exception {
        List<ScanCheckpoint> series = TinySeries.make(dir.resolve("series")).subList(0, 1);
        ScanSettings s = TinySeries.settings(1);
        ScanSettings.FineTune f = s.fineTune();
        ScanSettings settings = new ScanSettings(s.eval(), new ScanSettings.FineTune(List.of(1e-3, 3e-3), List.of(0L, 1L),
                f.steps(), f.batchSize(), f.seqLen(), f.warmupSteps(), 0.1, 0.5), s.noise(), s.quant(), s.threads());
        Path store = dir.resolve("scan.db");
        Map<String, UnitResult> whole = scan(series, settings, store, 4, null);
        UnitResult lost = find(whole, series.get(0).name(), 3e-3, 1);
        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + store)) {
            for (String sql : List.of("DELETE FROM unit_sample WHERE unit_id = ?", "DELETE FROM unit WHERE id = ?")) {
                try (java.sql.PreparedStatement q = db.prepareStatement(sql)) {
                    q.setString(1, lost.unitId());
                    q.executeUpdate();
                }
            }
        }
        Map<String, UnitResult> resumed = scan(series, settings, store, 4, null);
        UnitResult again = resumed.get(lost.unitId());
        assertTrue(again.done(), again.reason());
        assertEquals(lost.metrics(), again.metrics(), "the lone fine-tune's metrics");
        assertEquals(lost.curve(), again.curve(), "the lone fine-tune's curve");
        assertArrayEquals(lost.samples(MetricKeys.OOD_LOSS), again.samples(MetricKeys.OOD_LOSS));
    }

    private static UnitResult find(Map<String, UnitResult> results, String checkpoint, double lr, long seed) {
        return results.values().stream()
                .filter(u -> u.checkpoint().equals(checkpoint) && u.probe() instanceof Probe.FineTune ft && ft.lr() == lr && ft.seed() == seed)
                .findFirst().orElseThrow();
    }

    private static Map<String, UnitResult> scan(List<ScanCheckpoint> series, ScanSettings settings, Path store, int members, Path kept) {
        Scan.Builder b = Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(settings).store(store)
                .members(members);
        if (kept != null) {
            b.keepFineTuned(new FineTunedCheckpoints(kept, null));
        }
        return b.run().results().stream().collect(Collectors.toMap(UnitResult::unitId, Function.identity()));
    }
}
