package dev.overtune.scan;

import dev.overtune.backend.OrtBackend;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.Perturbations;
import dev.overtune.probe.Quantization;
import dev.overtune.text.ByteTokenizer;
import dev.overtune.train.Evaluator;
import dev.overtune.train.MemberEvaluator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task's scores of M models in one member-axis forward are, member by member, the scores the one-by-one path
 * gives: the same metrics and the same samples (per window, per example), within float reassociation.
 */
class MemberScoresTest {
    /** Largest relative difference of any metric or sample (measured: 0 on tiny, under 1e-7 on the other presets). */
    private static final double RELATIVE = 1e-6;
    private static final int BATCH = 4;
    private static final int SEQ = 32;

    @ParameterizedTest
    @CsvSource({"tiny,text", "demo,text", "llama-tiny,text", "neox-tiny,text", "tiny,labels"})
    void everyMembersScoresAreItsOneByOneScores(String preset, String kind) {
        LanguageModel model = ModelConfigs.resolve(preset);
        ScanTask task = kind.equals("text") ? TinySeries.task() : new TaskScanTask(TaskScanScoresTest.labelled(), new ByteTokenizer());
        List<Quantization> formats = List.of(new Quantization(8, 0), new Quantization(4, 0), new Quantization(3, 16));
        int members = formats.size() + 1;
        try (Arena arena = Arena.ofShared(); OrtBackend backend = new OrtBackend(2); Perturbations perturb = new Perturbations(1)) {
            ParamStore base = ParamStore.allocate(arena, model.params());
            base.initialize(7);
            ParamStore work = ParamStore.allocate(arena, model.params());
            try (Evaluator one = new Evaluator(backend, model, work, BATCH, SEQ, arena);
                 MemberEvaluator all = new MemberEvaluator(backend, model, members, BATCH, SEQ, arena)) {
                ParamStore[] stores = new ParamStore[members];
                for (int m = 0; m < members; m++) {
                    stores[m] = ParamStore.allocate(arena, model.params());
                    if (m == 0) {
                        stores[m].copyFrom(base);
                    } else {
                        perturb.quantize(base, stores[m], formats.get(m - 1), model::outputAxis);
                    }
                    all.setMember(m, stores[m]);
                }
                List<Scores> together = task.score(all, ScanSettings.Eval.ALL);
                assertEquals(members, together.size());
                double largest = 0;
                for (int m = 0; m < members; m++) {
                    work.copyFrom(stores[m]);
                    Scores alone = task.score(one, ScanSettings.Eval.ALL);
                    Scores t = together.get(m);
                    assertEquals(alone.metrics().keySet(), t.metrics().keySet());
                    assertEquals(alone.samples().keySet(), t.samples().keySet());
                    for (Map.Entry<String, Double> e : alone.metrics().entrySet()) {
                        largest = Math.max(largest, relative(e.getValue(), t.metrics().get(e.getKey())));
                    }
                    for (Map.Entry<String, double[]> e : alone.samples().entrySet()) {
                        double[] a = e.getValue();
                        double[] b = t.samples().get(e.getKey());
                        assertEquals(a.length, b.length, e.getKey());
                        for (int i = 0; i < a.length; i++) {
                            largest = Math.max(largest, relative(a[i], b[i]));
                        }
                    }
                }
                System.out.println(preset + " " + kind + ": largest relative difference from one by one " + largest);
                assertTrue(largest <= RELATIVE, preset + " " + kind + ": largest relative difference " + largest);
                String loss = together.get(0).metrics().keySet().iterator().next();
                assertTrue(Math.abs(together.get(0).metrics().get(loss) - together.get(members - 1).metrics().get(loss)) > 1e-4,
                        "the members must differ for the test to mean anything");
            }
        }
    }

    private static double relative(double expected, double actual) {
        return Math.abs(expected - actual) / Math.max(1e-9, Math.abs(expected));
    }
}
