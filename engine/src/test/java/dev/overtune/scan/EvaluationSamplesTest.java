package dev.overtune.scan;

import dev.overtune.backend.OrtBackend;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.ProbeKind;
import dev.overtune.train.Evaluator;
import dev.overtune.train.SampleStats;
import dev.overtune.train.StreamLoss;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every evaluation of a scan keeps its per-window values: the metric is their mean, its standard error is
 * stored beside it, window i is the same text at every checkpoint, and the values survive the store.
 */
class EvaluationSamplesTest {
    @TempDir
    static Path dir;
    static List<ScanCheckpoint> series;
    static List<UnitResult> results;

    /** The whole of every set: the task's validation and test splits and the OOD text. */
    static ScanSettings wholeSets() {
        ScanSettings s = TinySeries.settings();
        return new ScanSettings(new ScanSettings.Eval(4, 32, ScanSettings.Eval.ALL), s.fineTune(), s.noise(), s.quant(), s.threads());
    }

    @BeforeAll
    static void scan() {
        series = TinySeries.make(dir.resolve("series"));
        Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(wholeSets())
                .store(dir.resolve("scan.db")).run();
        try (ResultStore store = ResultStore.read(dir.resolve("scan.db"))) {
            results = store.results();
        }
        assertEquals(series.size() * TinySeries.UNITS_PER_CHECKPOINT, results.size());
        assertTrue(results.stream().allMatch(UnitResult::done), "every unit done");
    }

    @Test
    void everySampledMetricIsTheMeanOfItsSamplesWithItsStderrBeside() {
        for (UnitResult r : results) {
            List<String> sampled = r.kind() == ProbeKind.NOISE ? List.of("ood_loss") : List.of("id_val_loss", "id_test_loss", "ood_loss");
            assertEquals(sampled.stream().sorted().toList(), r.samples().keySet().stream().sorted().toList(), r.unitId());
            for (String m : sampled) {
                double[] s = r.samples(m);
                assertNull(r.weights(m), "language-model windows weigh the same");
                assertEquals(r.metric(m), SampleStats.mean(s), 1e-12, r.unitId() + " " + m);
                double mean = Arrays.stream(s).average().orElseThrow();
                double ss = Arrays.stream(s).map(v -> (v - mean) * (v - mean)).sum();
                assertEquals(Math.sqrt(ss / (s.length - 1) / s.length), r.metric(m + "_stderr"), 1e-12, r.unitId() + " " + m);
            }
        }
    }

    @Test
    void wholeSetsAreEvaluatedWindowByWindow() {
        int seq = 32;
        UnitResult base = unit(series.get(0).name(), ProbeKind.BASE);
        assertEquals(StreamLoss.fullWindows(TinySeries.oodTokens().length, seq), base.samples("ood_loss").length, "every full OOD window");
        int[] task = new dev.overtune.text.ByteTokenizer().encode(reversedWords());
        int validation = (int) (task.length * 0.9) - (int) (task.length * 0.8);
        assertEquals(StreamLoss.fullWindows(validation, seq), base.samples("id_val_loss").length, "every full validation window");
        assertTrue(base.samples("ood_loss").length > 2 * 4, "more than the old cap of 2 batches of 4");
    }

    @Test
    void windowIIsTheSameTextAtEveryCheckpoint() {
        int[] ood = TinySeries.oodTokens();
        int seq = 32;
        LanguageModel model = ModelConfigs.resolve("tiny");
        double[] previous = null;
        for (ScanCheckpoint c : series) {
            double[] stored = unit(c.name(), ProbeKind.BASE).samples("ood_loss");
            // Each window scored alone, in a batch of one, on this checkpoint's weights.
            double[] alone = new double[stored.length];
            try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend(2)) {
                ParamStore params = ParamStore.allocate(arena, model.params());
                try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(c.dir())) {
                    ModelWeights.load(ckpt, model, params);
                }
                try (Evaluator evaluator = new Evaluator(backend, model, params, 1, seq, arena)) {
                    for (int i = 0; i < alone.length; i++) {
                        alone[i] = StreamLoss.windowLosses(evaluator, Arrays.copyOfRange(ood, i * seq, i * seq + seq + 1), 1)[0];
                    }
                }
            }
            assertArrayEquals(alone, stored, 1e-5, c.name());
            if (previous != null) {
                assertEquals(previous.length, stored.length, "as many windows at every checkpoint");
                assertFalse(Arrays.equals(previous, stored), "checkpoints differ window by window");
            }
            previous = stored;
        }
        // And the same windows for every probe of a checkpoint: the fine-tunes and noise share the base's count.
        for (UnitResult r : results) {
            assertEquals(previous.length, r.samples("ood_loss").length, r.unitId());
        }
    }

    @Test
    void samplesRoundTripThroughTheStoreAsFloat32() throws Exception {
        Path file = dir.resolve("roundtrip.db");
        ScanPlan plan = Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(wholeSets()).plan();
        Map<String, double[]> samples = new HashMap<>();
        samples.put("id_val_loss", new double[] {2.5, (float) 1.1, (float) Math.PI});
        samples.put("id_val_loss" + UnitResult.WEIGHTS, new double[] {3, 7, 1});
        samples.put("id_val_acc", new double[] {1, 0, 1});
        UnitResult u = new UnitResult("u1", "step4", 512, ProbeKind.BASE, Map.of(), 0, UnitResult.Status.DONE,
                Map.of("id_val_loss", 1.0), List.of(), null, "cpu", "v", "g", 0.5, samples);
        try (ResultStore store = ResultStore.open(file, plan, Scan.planJson(plan))) {
            assertTrue(store.record(u));
            assertFalse(store.record(u), "recorded once");
        }
        try (ResultStore store = ResultStore.read(file)) {
            UnitResult back = store.results().getFirst();
            assertEquals(samples.keySet(), back.samples().keySet());
            for (String k : samples.keySet()) {
                assertArrayEquals(samples.get(k), back.samples(k), 0, k);
            }
            assertArrayEquals(new double[] {3, 7, 1}, back.weights("id_val_loss"), 0);
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = db.createStatement();
             var r = s.executeQuery("SELECT length(samples) FROM unit_sample WHERE unit_id = 'u1' AND metric = 'id_val_acc'")) {
            assertTrue(r.next());
            assertEquals(3 * Float.BYTES, r.getInt(1), "float32 little-endian, 4 bytes a value");
        }
    }

    @Test
    void aStoreFromBeforeSamplesOpensReadsAndResumes() throws Exception {
        Path old = dir.resolve("old.db");
        // The layout every store had before unit_sample: meta and unit, as ResultStore created them.
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + old); Statement s = db.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            s.execute("""
                    CREATE TABLE unit (
                      id TEXT PRIMARY KEY,
                      checkpoint TEXT NOT NULL,
                      tokens INTEGER NOT NULL,
                      probe TEXT NOT NULL,
                      setting TEXT NOT NULL,
                      seed INTEGER NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
                      metrics TEXT NOT NULL,
                      curve TEXT NOT NULL,
                      reason TEXT,
                      backend TEXT,
                      engine_version TEXT,
                      git_hash TEXT,
                      seconds REAL,
                      finished TEXT NOT NULL)""");
            // The first checkpoint's units as a scan of this plan stored them, without their samples.
            s.execute("ATTACH DATABASE '" + dir.resolve("scan.db") + "' AS src");
            s.execute("INSERT INTO meta SELECT * FROM src.meta");
            s.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'"); // what every store of that layout said
            s.execute("INSERT INTO unit SELECT * FROM src.unit WHERE checkpoint = '" + series.get(0).name() + "'");
            s.execute("DETACH DATABASE src");
        }
        try (ResultStore store = ResultStore.read(old)) {
            List<UnitResult> before = store.results();
            assertEquals(TinySeries.UNITS_PER_CHECKPOINT, before.size());
            for (UnitResult r : before) {
                assertTrue(r.samples().isEmpty(), r.unitId());
                assertNull(r.samples("ood_loss"));
                assertTrue(r.metric("ood_loss") > 0);
            }
        }
        Scan.Outcome resumed = Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(wholeSets())
                .store(old).run();
        assertEquals((series.size() - 1) * TinySeries.UNITS_PER_CHECKPOINT, resumed.unitsRunNow(), "only the missing units ran");
        for (UnitResult r : resumed.results()) {
            boolean oldUnit = r.checkpoint().equals(series.get(0).name());
            assertEquals(oldUnit, r.samples().isEmpty(), r.unitId());
            if (!oldUnit) {
                assertNotNull(r.samples("ood_loss"));
            }
        }
    }

    @Test
    void aCappedEvaluationKeepsTheFirstWindows() {
        UnitResult whole = unit(series.get(1).name(), ProbeKind.BASE);
        ScanSettings s = TinySeries.settings(); // 2 batches of 4 windows
        Scan.Outcome capped = Scan.builder().series(List.of(series.get(1))).task(TinySeries.task()).ood(TinySeries.oodTokens())
                .settings(s).store(dir.resolve("capped.db")).run();
        UnitResult base = capped.results().stream().filter(r -> r.kind() == ProbeKind.BASE).findFirst().orElseThrow();
        assertEquals(8, base.samples("ood_loss").length);
        assertArrayEquals(Arrays.copyOf(whole.samples("ood_loss"), 8), base.samples("ood_loss"), 1e-6);
        assertNotEquals(whole.metric("ood_loss"), base.metric("ood_loss"));
    }

    private static UnitResult unit(String checkpoint, ProbeKind probe) {
        return results.stream().filter(r -> r.checkpoint().equals(checkpoint) && r.kind() == probe).findFirst().orElseThrow();
    }

    private static String reversedWords() {
        StringBuilder b = new StringBuilder();
        int[] t = TinySeries.sampleTokens();
        byte[] bytes = new byte[t.length];
        for (int i = 0; i < t.length; i++) {
            bytes[i] = (byte) t[i];
        }
        for (String word : new String(bytes, java.nio.charset.StandardCharsets.UTF_8).split(" ")) {
            b.append(new StringBuilder(word).reverse()).append(' ');
        }
        return b.toString();
    }
}
