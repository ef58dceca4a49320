package dev.overtune.scan;

import dev.overtune.backend.Backend;
import dev.overtune.backend.OrtBackend;
import dev.overtune.backend.Parameters;
import dev.overtune.graph.Graph;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Perturbations;
import dev.overtune.probe.Perturber;
import dev.overtune.probe.Probe;
import dev.overtune.probe.ProbeKind;
import dev.overtune.probe.Quantization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The base and the quantisations of a checkpoint scored together in one member-axis forward (task splits and OOD)
 * store what the one-by-one path stores, bit for bit whatever the number of members, and a member that fails fails
 * alone.
 */
class MemberTaskScanTest {
    /** Largest relative difference allowed between a member's stored value and the one-by-one path's (measured: see the README). */
    private static final double RELATIVE = 1e-6;

    @TempDir
    static Path dir;
    private static List<ScanCheckpoint> series;

    @BeforeAll
    static void series() {
        series = TinySeries.make(dir.resolve("series")).subList(1, 3);
    }

    /** Base + three formats on whole splits (the OOD text's last batch half full), no fine-tunes, no noise. */
    private static ScanSettings settings(List<Quantization> formats) {
        ScanSettings s = TinySeries.settings();
        return new ScanSettings(new ScanSettings.Eval(4, 32, ScanSettings.Eval.ALL),
                new ScanSettings.FineTune(List.of(), List.of(0L), 4, 4, 32, 1, 0.0, 0.0),
                new ScanSettings.Noise(NoiseScale.INIT, List.of(), 1, 50), new ScanSettings.Quant(formats), s.threads());
    }

    private static final List<Quantization> FORMATS = List.of(new Quantization(8, 0), new Quantization(4, 0), new Quantization(4, 32));

    @Test
    void baseAndQuantisationsTogetherStoreTheOneByOneScoresAndTheSameBitsWhateverTheMemberCount() {
        ScanSettings settings = settings(FORMATS);
        Map<String, UnitResult> alone = scan(settings, dir.resolve("alone.db"), 1, null);
        RefusingBackend counting = new RefusingBackend(false, false);
        Map<String, UnitResult> four = scan(settings, dir.resolve("four.db"), 4, counting);
        assertEquals(1, counting.memberGraphs.get(), "one member-axis graph, for the base and quantisations of both checkpoints");
        Map<String, UnitResult> two = scan(settings, dir.resolve("two.db"), 2, null);
        assertEquals(2 * 4, alone.size(), "base + 3 formats on 2 checkpoints");
        assertEquals(alone.keySet(), four.keySet(), "the same units, under the same ids");
        double largest = 0;
        int compared = 0;
        for (UnitResult a : alone.values()) {
            UnitResult b = four.get(a.unitId());
            assertTrue(a.done() && b.done(), a.unitId() + ": " + a.reason() + " / " + b.reason());
            assertEquals(a.metrics().keySet(), b.metrics().keySet(), a.probe() + " " + a.setting());
            assertTrue(a.metrics().keySet().containsAll(List.of("id_val_loss", "id_test_loss", "ood_loss")), a.metrics().keySet().toString());
            for (Map.Entry<String, Double> m : a.metrics().entrySet()) {
                largest = Math.max(largest, relative(m.getValue(), b.metrics().get(m.getKey())));
                compared++;
            }
            for (String metric : List.of("id_val_loss", "id_test_loss", "ood_loss")) {
                double[] sa = a.samples(metric);
                double[] sb = b.samples(metric);
                assertEquals(sa.length, sb.length, metric);
                for (int i = 0; i < sa.length; i++) {
                    largest = Math.max(largest, relative(sa[i], sb[i]));
                    compared++;
                }
            }
            // Whatever the member count (a resumed or sharded scan groups its units differently), the same bits.
            UnitResult c = two.get(a.unitId());
            assertEquals(b.metrics(), c.metrics(), a.probe() + " " + a.setting() + ": 4 members against 2");
            for (String metric : List.of("id_val_loss", "id_test_loss", "ood_loss")) {
                assertArrayEquals(b.samples(metric), c.samples(metric), 0.0, a.probe() + " " + a.setting() + " " + metric);
            }
        }
        System.out.println("base and quantisations together against one by one: largest relative difference " + largest + " over " + compared + " values");
        assertTrue(largest <= RELATIVE, "largest relative difference from the one-by-one path: " + largest);
        assertTrue(compared > 500, "compared " + compared + " values");
        double base = alone.values().stream().filter(r -> r.kind() == ProbeKind.BASE).findFirst().orElseThrow().metrics().get("id_val_loss");
        double int4 = alone.values().stream().filter(MemberTaskScanTest::int4PerChannel).findFirst().orElseThrow().metrics().get("id_val_loss");
        assertTrue(Math.abs(base - int4) > 1e-4, "the members must differ for the test to mean anything: " + base + " / " + int4);
    }

    @Test
    void aResumedScanStoresWhatAnUninterruptedOneDoes() {
        Map<String, UnitResult> whole = scan(settings(FORMATS), dir.resolve("whole.db"), 0, null);
        Path resumed = dir.resolve("resumed.db");
        // A first run stored only int4 (its unit ids are those of the full plan); the second runs base, int8 and int4-g32.
        scan(settings(List.of(FORMATS.get(1))), resumed, 0, null);
        Map<String, UnitResult> after = scan(settings(FORMATS), resumed, 0, null);
        assertEquals(whole.keySet(), after.keySet());
        for (UnitResult w : whole.values()) {
            UnitResult r = after.get(w.unitId());
            assertEquals(w.metrics(), r.metrics(), w.probe() + " " + w.setting());
            for (String metric : List.of("id_val_loss", "id_test_loss", "ood_loss")) {
                assertArrayEquals(w.samples(metric), r.samples(metric), 0.0, w.probe() + " " + w.setting() + " " + metric);
            }
        }
    }

    @Test
    void aQuantisationThatFailsFailsAloneInItsBatch() {
        Map<String, UnitResult> alone = scan(settings(FORMATS), dir.resolve("failing-alone.db"), 1, new RefusingBackend(true, false));
        Map<String, UnitResult> together = scan(settings(FORMATS), dir.resolve("failing-together.db"), 4, new RefusingBackend(true, false));
        assertEquals(alone.keySet(), together.keySet());
        int failed = 0;
        for (UnitResult a : alone.values()) {
            UnitResult b = together.get(a.unitId());
            boolean refused = int4PerChannel(a);
            assertEquals(refused, !b.done(), b.probe() + " " + b.setting() + ": " + b.reason());
            if (refused) {
                assertEquals(RefusingBackend.REFUSAL, b.reason());
                failed++;
                continue;
            }
            for (Map.Entry<String, Double> m : a.metrics().entrySet()) {
                assertTrue(relative(m.getValue(), b.metrics().get(m.getKey())) <= RELATIVE, b.probe() + " " + b.setting() + " " + m.getKey());
            }
        }
        assertEquals(2, failed, "int4 per channel fails on both checkpoints, and nothing else");
    }

    @Test
    void aBackendThatCannotCompileTheMemberGraphMeasuresOneByOne() {
        Map<String, UnitResult> alone = scan(settings(FORMATS), dir.resolve("fallback-alone.db"), 1, null);
        RefusingBackend backend = new RefusingBackend(false, true);
        Map<String, UnitResult> fallback = scan(settings(FORMATS), dir.resolve("fallback.db"), 4, backend);
        assertTrue(backend.refusedMemberGraphs.get() > 0, "the scan asked for a member-axis graph");
        assertEquals(alone.keySet(), fallback.keySet());
        for (UnitResult a : alone.values()) {
            UnitResult b = fallback.get(a.unitId());
            assertTrue(b.done(), b.reason());
            assertEquals(a.metrics(), b.metrics(), "the one-by-one path itself: " + a.probe() + " " + a.setting());
        }
    }

    /**
     * Fine-tunes trained together are scored together too (as the base and quantisations are): against the same scan
     * with a task that scores one by one, where every unit is measured alone after the same training.
     */
    @Test
    void trainedFineTunesScoredTogetherStoreWhatScoringThemAloneStores() {
        // No quantisation: the base alone is a group of one, so a four-member evaluation graph is the fine-tunes'.
        ScanSettings s = settings(List.of());
        ScanSettings.FineTune f = TinySeries.settings().fineTune();
        ScanSettings settings = new ScanSettings(s.eval(), new ScanSettings.FineTune(List.of(1e-3, 3e-3), List.of(0L, 1L), f.steps(),
                f.batchSize(), f.seqLen(), f.warmupSteps(), 0.0, 0.0), s.noise(), s.quant(), s.threads());
        RefusingBackend counting = new RefusingBackend(false, false);
        Map<String, UnitResult> together = scan(settings, TinySeries.task(), dir.resolve("ft-together.db"), 4, counting);
        assertEquals(List.of("gpt2_eval_x1", "gpt2_eval_x4"), counting.evalMemberGraphs.stream().sorted().toList(),
                "the base scored in a group of one, the four fine-tunes of a checkpoint in one forward");
        Map<String, UnitResult> alone = scan(settings, new OneByOneTask(TinySeries.task()), dir.resolve("ft-alone.db"), 4, null);
        assertEquals(alone.keySet(), together.keySet());
        double largest = 0;
        int fineTunes = 0;
        for (UnitResult a : alone.values()) {
            UnitResult b = together.get(a.unitId());
            assertTrue(a.done() && b.done(), a.reason() + " / " + b.reason());
            assertEquals(a.metrics().keySet(), b.metrics().keySet(), a.probe().toString());
            assertEquals(a.curve(), b.curve(), "the same training: " + a.probe());
            for (Map.Entry<String, Double> m : a.metrics().entrySet()) {
                largest = Math.max(largest, relative(m.getValue(), b.metrics().get(m.getKey())));
            }
            for (String metric : List.of("id_val_loss", "id_test_loss", "ood_loss")) {
                double[] sa = a.samples(metric);
                double[] sb = b.samples(metric);
                for (int i = 0; i < sa.length; i++) {
                    largest = Math.max(largest, relative(sa[i], sb[i]));
                }
            }
            fineTunes += a.probe() instanceof Probe.FineTune ? 1 : 0;
        }
        System.out.println("fine-tunes, base and quantisations scored together against alone: largest relative difference " + largest);
        assertTrue(largest <= RELATIVE, "largest relative difference " + largest);
        assertEquals(2 * 4, fineTunes);
        assertEquals(2 * 5, alone.size(), "base + 2 rates x 2 seeds on 2 checkpoints");
    }

    /** A task that scores every unit one by one: the text task without its member scoring. */
    private record OneByOneTask(ScanTask task) implements ScanTask {
        @Override
        public String name() {
            return task.name();
        }

        @Override
        public String contentHash() {
            return task.contentHash();
        }

        @Override
        public dev.overtune.data.BatchSource train(long seed) {
            return task.train(seed);
        }

        @Override
        public Map<String, Double> evaluate(dev.overtune.train.Evaluator evaluator, int maxBatches) {
            return task.evaluate(evaluator, maxBatches);
        }

        @Override
        public Scores score(dev.overtune.train.Evaluator evaluator, int maxBatches) {
            return task.score(evaluator, maxBatches);
        }
    }

    private static boolean int4PerChannel(UnitResult r) {
        return r.probe() instanceof Probe.Quant q && q.format().equals(new Quantization(4, 0));
    }

    private static double relative(double expected, double actual) {
        return Math.abs(expected - actual) / Math.max(1e-9, Math.abs(expected));
    }

    private static Map<String, UnitResult> scan(ScanSettings settings, Path store, int members, Backend backend) {
        return scan(settings, TinySeries.task(), store, members, backend);
    }

    private static Map<String, UnitResult> scan(ScanSettings settings, ScanTask task, Path store, int members, Backend backend) {
        Scan.Builder b = Scan.builder().series(series).task(task).ood(TinySeries.oodTokens()).settings(settings).store(store)
                .members(members);
        if (backend != null) {
            b.backend(backend);
        }
        return b.run().results().stream().collect(Collectors.toMap(UnitResult::unitId, Function.identity()));
    }

    /**
     * ONNX Runtime with two faults to order: a perturber that refuses int4 per channel, and no member-axis graph
     * compiled.
     */
    private static final class RefusingBackend implements Backend, Perturber.Source {
        static final String REFUSAL = "this backend cannot quantise to int4 per channel";
        private final OrtBackend ort = new OrtBackend(2);
        private final boolean refuseInt4;
        private final boolean refuseMemberGraphs;
        final AtomicInteger refusedMemberGraphs = new AtomicInteger();
        final AtomicInteger memberGraphs = new AtomicInteger();
        final List<String> evalMemberGraphs = new java.util.concurrent.CopyOnWriteArrayList<>();

        RefusingBackend(boolean refuseInt4, boolean refuseMemberGraphs) {
            this.refuseInt4 = refuseInt4;
            this.refuseMemberGraphs = refuseMemberGraphs;
        }

        @Override
        public String name() {
            return ort.name();
        }

        @Override
        public Program compile(Graph graph) {
            if (graph.name().matches(".*_x\\d+")) {
                if (refuseMemberGraphs) {
                    refusedMemberGraphs.incrementAndGet();
                    throw new IllegalStateException("no member axis on this backend");
                }
                memberGraphs.incrementAndGet();
                if (graph.name().contains("_eval_x")) {
                    evalMemberGraphs.add(graph.name());
                }
            }
            return ort.compile(graph);
        }

        @Override
        public Perturber perturber() {
            Perturbations host = new Perturbations(2);
            return new Perturber() {
                @Override
                public void addNoise(Parameters base, Parameters out, NoiseScale scale, double gamma, long seed, int stream) {
                    host.addNoise(base, out, scale, gamma, seed, stream);
                }

                @Override
                public void quantize(Parameters base, Parameters out, Quantization q, Perturbations.OutputAxes axes) {
                    if (refuseInt4 && q.bits() == 4 && q.groupSize() == 0) {
                        throw new IllegalArgumentException(REFUSAL);
                    }
                    host.quantize(base, out, q, axes);
                }

                @Override
                public void close() {
                    host.close();
                }
            };
        }

        @Override
        public void close() {
            ort.close();
        }
    }
}
