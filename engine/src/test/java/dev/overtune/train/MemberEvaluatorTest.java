package dev.overtune.train;

import dev.overtune.backend.OrtBackend;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Perturbations;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** M perturbed copies in one member-axis forward give what M one-by-one evaluations give, for every family. */
class MemberEvaluatorTest {
    private static final int MEMBERS = 3;
    private static final int BATCH = 2;
    private static final int SEQ = 16;
    private static final double RELATIVE = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"tiny", "demo", "neox-tiny", "llama-tiny", "mistral-tiny", "qwen2-tiny", "olmo-tiny", "olmo2-tiny", "linear"})
    void everyMemberMatchesItsOwnEvaluation(String preset) {
        LanguageModel model = ModelConfigs.resolve(preset);
        try (Arena arena = Arena.ofShared(); OrtBackend backend = new OrtBackend(1); Perturbations perturb = new Perturbations(1)) {
            ParamStore base = ParamStore.allocate(arena, model.params());
            base.initialize(7);
            ParamStore work = ParamStore.allocate(arena, model.params());
            try (Evaluator one = new Evaluator(backend, model, work, BATCH, SEQ, arena);
                 MemberEvaluator all = new MemberEvaluator(backend, model, MEMBERS, BATCH, SEQ, arena)) {
                ParamStore[] members = new ParamStore[MEMBERS];
                for (int m = 0; m < MEMBERS; m++) {
                    members[m] = ParamStore.allocate(arena, model.params());
                    // Member-specific noise large enough that members differ well beyond the tolerance.
                    perturb.addNoise(base, members[m], NoiseScale.ABSOLUTE, 0.1 * (m + 1), 11, m);
                    all.setMember(m, members[m]);
                }
                int[] tokens = new int[BATCH * SEQ * 3 + 1];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = (int) ((i * 7919L + 13) % model.vocabSize());
                }
                long windows = StreamLoss.fullWindows(tokens.length, SEQ) - 1; // the last batch half full: masked rows too
                double[][] together = StreamLoss.windowLosses(all, tokens, windows);
                double[] sums = new double[MEMBERS];
                for (int m = 0; m < MEMBERS; m++) {
                    sums[m] = all.nllSum(m);
                }
                for (int m = 0; m < MEMBERS; m++) {
                    work.copyFrom(members[m]);
                    double[] alone = StreamLoss.windowLosses(one, tokens, windows);
                    assertEquals(alone.length, together[m].length);
                    for (int w = 0; w < alone.length; w++) {
                        assertClose(alone[w], together[m][w], preset + " member " + m + " window " + w);
                    }
                    assertClose(one.nllSum(), sums[m], preset + " member " + m + " nll sum of the last batch");
                    assertEquals(one.weightSum(), all.weightSum(m), preset + " member " + m + " weight sum");
                }
                assertTrue(Math.abs(together[0][0] - together[MEMBERS - 1][0]) > 1e-3, preset + ": the members must differ for the test to mean anything");
            }
        }
    }

    private static void assertClose(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= RELATIVE * Math.max(1e-6, Math.abs(expected)),
                what + ": one by one " + expected + ", together " + actual + " (relative " + Math.abs(expected - actual) / Math.abs(expected) + ")");
    }

    /** Resumed and sharded scans batch their draws differently: a member's losses must not depend on the batch it was in. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny", "llama-tiny"})
    void aMembersResultDoesNotDependOnHowManyMembersShareTheGraph(String preset) {
        LanguageModel model = ModelConfigs.resolve(preset);
        try (Arena arena = Arena.ofShared(); OrtBackend backend = new OrtBackend(2); Perturbations perturb = new Perturbations(1)) {
            ParamStore base = ParamStore.allocate(arena, model.params());
            base.initialize(7);
            ParamStore member = ParamStore.allocate(arena, model.params());
            perturb.addNoise(base, member, NoiseScale.ABSOLUTE, 0.1, 11, 0);
            int[] tokens = new int[BATCH * SEQ * 3 + 1];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = (int) ((i * 7919L + 13) % model.vocabSize());
            }
            double[] first = null;
            for (int members : new int[] {1, 2, 5}) {
                try (MemberEvaluator all = new MemberEvaluator(backend, model, members, BATCH, SEQ, arena)) {
                    for (int m = 0; m < members; m++) {
                        all.setMember(m, m == members - 1 ? member : base);
                    }
                    double[] losses = StreamLoss.windowLosses(all, tokens, StreamLoss.fullWindows(tokens.length, SEQ))[members - 1];
                    if (first == null) {
                        first = losses;
                    } else {
                        org.junit.jupiter.api.Assertions.assertArrayEquals(first, losses, 0.0, preset + ": member of " + members);
                    }
                }
            }
        }
    }
}
