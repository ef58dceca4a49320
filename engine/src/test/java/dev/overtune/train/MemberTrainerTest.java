package dev.overtune.train;

import dev.overtune.backend.OrtBackend;
import dev.overtune.data.TokenWindows;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fine-tunes as members of one training graph train as each would alone on a {@link Trainer}. */
class MemberTrainerTest {
    private static final int BATCH = 2;
    private static final int SEQ = 16;
    private static final long STEPS = 8;
    private static final double L2 = 0.5;

    private record Result(List<Double> curve, float[] params, RuntimeException failure) {}

    private static TrainConfig config(double lr) {
        return new TrainConfig(BATCH, SEQ, new LrSchedule(lr, lr / 10, 2, STEPS), new AdamW.Config(0.9, 0.95, 1e-8, 0.1), 1.0);
    }

    private static TokenWindows data(LanguageModel model, long seed) {
        SplittableRandom rnd = new SplittableRandom(11);
        int[] tokens = new int[2000];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (rnd.nextInt(10) == 0 ? rnd.nextInt(512) : i % 97) % model.vocabSize();
        }
        return new TokenWindows(tokens, seed);
    }

    private static Result alone(OrtBackend backend, LanguageModel model, ParamStore start, double lr, long seed, Arena arena) {
        ParamStore params = ParamStore.allocate(arena, model.params());
        params.copyFrom(start);
        List<Double> curve = new ArrayList<>();
        RuntimeException failure = null;
        try (Trainer t = new Trainer(backend, model, params, config(lr), arena)) {
            t.anchorTo(start, L2);
            TokenWindows data = data(model, seed);
            while (t.nextStep() < STEPS) {
                curve.add(t.step(data).loss());
            }
        } catch (DivergenceException e) {
            failure = e;
        }
        return new Result(curve, params.flat().toFloatArray(), failure);
    }

    private static List<Result> together(OrtBackend backend, LanguageModel model, ParamStore start, int members, double[] lrs, long[] seeds,
                                         Arena arena) {
        List<MemberTrainer.Run> runs = new ArrayList<>();
        for (int m = 0; m < lrs.length; m++) {
            runs.add(new MemberTrainer.Run(config(lrs[m]), data(model, seeds[m])));
        }
        try (MemberTrainer t = new MemberTrainer(backend, model, members, BATCH, SEQ, arena)) {
            List<MemberTrainer.Outcome> outcomes = t.train(start, runs, STEPS, L2);
            List<Result> out = new ArrayList<>();
            for (int m = 0; m < lrs.length; m++) {
                out.add(new Result(outcomes.get(m).curve(), t.params(m).flat().toFloatArray(), outcomes.get(m).failure()));
            }
            return out;
        }
    }

    private static ParamStore start(Arena arena, LanguageModel model) {
        ParamStore start = ParamStore.allocate(arena, model.params());
        start.initialize(3);
        return start;
    }

    /**
     * Each member's loss curve and the held-out losses of its final parameters against its run alone, within float
     * reassociation grown over the steps (the bound the scan's stored metrics are held to). The parameters themselves
     * may differ by more where a gradient is zero in exact arithmetic and only rounding noise in float (a key bias
     * under the softmax's shift invariance): AdamW turns that noise into full-rate steps of either sign, which the
     * losses do not see. Both are printed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny", "llama-tiny", "demo"})
    void everyMemberTrainsAsItWouldAlone(String preset) {
        LanguageModel model = ModelConfigs.resolve(preset);
        double[] lrs = {1e-3, 3e-3, 1e-2};
        long[] seeds = {1, 2, 1};
        try (Arena arena = Arena.ofShared(); OrtBackend backend = new OrtBackend(2)) {
            ParamStore start = start(arena, model);
            List<Result> batched = together(backend, model, start, lrs.length, lrs, seeds, arena);
            ParamStore work = ParamStore.allocate(arena, model.params());
            int[] heldOut = new int[BATCH * SEQ * 4 + 1];
            for (int i = 0; i < heldOut.length; i++) {
                heldOut[i] = (int) ((i * 7919L + 13) % model.vocabSize());
            }
            double worstCurve = 0;
            double worstLoss = 0;
            double worstParam = 0;
            try (Evaluator eval = new Evaluator(backend, model, work, BATCH, SEQ, arena)) {
                for (int m = 0; m < lrs.length; m++) {
                    Result one = alone(backend, model, start, lrs[m], seeds[m], arena);
                    Result member = batched.get(m);
                    assertNull(one.failure());
                    assertNull(member.failure());
                    assertEquals(STEPS, member.curve().size());
                    for (int s = 0; s < STEPS; s++) {
                        double a = one.curve().get(s);
                        worstCurve = Math.max(worstCurve, Math.abs(a - member.curve().get(s)) / Math.abs(a));
                    }
                    double[] lossAlone = heldOutLosses(eval, work, one.params(), heldOut);
                    double[] lossMember = heldOutLosses(eval, work, member.params(), heldOut);
                    for (int w = 0; w < lossAlone.length; w++) {
                        worstLoss = Math.max(worstLoss, Math.abs(lossAlone[w] - lossMember[w]) / Math.abs(lossAlone[w]));
                    }
                    double largest = 0;
                    double diff = 0;
                    for (int i = 0; i < one.params().length; i++) {
                        largest = Math.max(largest, Math.abs(one.params()[i]));
                        diff = Math.max(diff, Math.abs(one.params()[i] - member.params()[i]));
                    }
                    worstParam = Math.max(worstParam, diff / largest);
                }
            }
            System.out.printf("%s: members against their runs alone: curves %.2e relative, held-out losses %.2e relative,"
                    + " parameters %.2e of the largest%n", preset, worstCurve, worstLoss, worstParam);
            assertTrue(worstCurve <= 1e-5, preset + ": loss curves differ by " + worstCurve + " relative");
            assertTrue(worstLoss <= 1e-5, preset + ": held-out losses differ by " + worstLoss + " relative");
            // Each member really ran its own settings: another seed gives another first batch, another rate another curve.
            assertTrue(Math.abs(batched.get(0).curve().get(0) - batched.get(1).curve().get(0)) > 1e-4, preset + ": seeds 1 and 2 saw the same batch");
            assertEquals(batched.get(0).curve().get(0), batched.get(2).curve().get(0), 0.0, preset + ": same seed, same start, same first loss");
            assertTrue(Math.abs(batched.get(0).curve().get((int) STEPS - 1) - batched.get(2).curve().get((int) STEPS - 1)) > 1e-4,
                    preset + ": rates 1e-3 and 1e-2 ended on the same loss");
        }
    }

    private static double[] heldOutLosses(Evaluator eval, ParamStore work, float[] params, int[] tokens) {
        for (int i = 0; i < params.length; i++) {
            work.flat().setFloat(i, params[i]);
        }
        return StreamLoss.windowLosses(eval, tokens, StreamLoss.fullWindows(tokens.length, SEQ));
    }

    /**
     * Resumed and sharded scans group their fine-tunes differently: a member's run must not depend on its group, down
     * to the bit, on two threads (where ONNX Runtime's split of a lone product's work would differ).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny", "llama-tiny"})
    void aMembersRunDoesNotDependOnTheMembersBesideIt(String preset) {
        LanguageModel model = ModelConfigs.resolve(preset);
        try (Arena arena = Arena.ofShared(); OrtBackend backend = new OrtBackend(2)) {
            ParamStore start = start(arena, model);
            Result single = together(backend, model, start, 1, new double[] {3e-3}, new long[] {2}, arena).get(0);
            Result third = together(backend, model, start, 4, new double[] {1e-3, 1e-2, 3e-3}, new long[] {1, 3, 2}, arena).get(2);
            assertEquals(single.curve(), third.curve(), preset + ": curve alone and as the third of four members");
            assertArrayEquals(single.params(), third.params(), preset + ": parameters alone and as the third of four members");
        }
    }

    /** A member that diverges stops alone, with the trainer's reason, and the others end as they would without it. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny"})
    void aDivergingMemberFailsAlone(String preset) {
        LanguageModel model = ModelConfigs.resolve(preset);
        try (Arena arena = Arena.ofShared(); OrtBackend backend = new OrtBackend(2)) {
            ParamStore start = start(arena, model);
            List<Result> with = together(backend, model, start, 3, new double[] {1e-3, 1e30, 3e-3}, new long[] {1, 2, 3}, arena);
            List<Result> without = together(backend, model, start, 3, new double[] {1e-3, 3e-3}, new long[] {1, 3}, arena);
            Result alone = alone(backend, model, start, 1e30, 2, arena);
            assertNotNull(alone.failure(), "an absurd rate must diverge alone too");
            RuntimeException failure = with.get(1).failure();
            assertInstanceOf(DivergenceException.class, failure);
            DivergenceException d = (DivergenceException) failure;
            assertEquals(((DivergenceException) alone.failure()).step(), d.step());
            // The message names the same step and cause; the last finite loss may differ in its last bits.
            String why = alone.failure().getMessage();
            assertEquals(why.substring(0, why.indexOf(';')), d.getMessage().substring(0, d.getMessage().indexOf(';')));
            assertArrayEquals(start.flat().toFloatArray(), with.get(1).params(), "a failed member is back at the start");
            for (int[] pair : new int[][] {{0, 0}, {2, 1}}) {
                assertNull(with.get(pair[0]).failure());
                assertEquals(without.get(pair[1]).curve(), with.get(pair[0]).curve(), "member " + pair[0] + " beside a diverging one");
                assertArrayEquals(without.get(pair[1]).params(), with.get(pair[0]).params(), "member " + pair[0] + " beside a diverging one");
            }
        }
    }
}
