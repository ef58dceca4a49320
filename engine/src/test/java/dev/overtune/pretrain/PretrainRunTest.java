package dev.overtune.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.backend.OrtBackend;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.text.ByteTokenizer;
import dev.overtune.train.AdamW;
import dev.overtune.train.StepResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pre-training at toy scale: the tiny preset on generated sentences, 8 x 32 = 256 tokens per step. */
class PretrainRunTest {
    static final LanguageModel MODEL = ModelConfigs.resolve("tiny");
    static final PretrainData DATA = data(ToyText.generate(7, 2_500));
    static final long STATE_EVERY = 5;

    static PretrainData data(String text) {
        TextCorpus corpus = new TextCorpus(Path.of("toy"), List.of(new TextCorpus.Document("toy.txt", text)));
        return PretrainData.split(corpus, new ByteTokenizer(), new HeldOutSplit(0.05));
    }

    static PretrainSettings settings(ScheduleKind kind, String budgets, Long warmup, double lr) {
        return new PretrainSettings(Budgets.parse(budgets), kind, 8, 32, lr, lr / 10, warmup, 0.2, AdamW.Config.defaults(), 1.0, 1);
    }

    static PretrainManifest pretrain(Path out, PretrainSettings settings, PretrainData data, boolean resume, PretrainListener listener) {
        try (OrtBackend backend = new OrtBackend(2)) {
            return PretrainRun.run(backend, MODEL, SeriesPlan.of(settings), data,
                    new PretrainRun.Options(out, "toy", resume, STATE_EVERY), listener);
        }
    }

    static PretrainManifest pretrain(Path out, ScheduleKind kind, String budgets, Long warmup) {
        return pretrain(out, settings(kind, budgets, warmup, 3e-3), DATA, false, new PretrainListener() {});
    }

    static String weightsSha(PretrainManifest m, String name) {
        return m.checkpoints().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow().sha256().get(ModelWeights.WEIGHTS);
    }

    @ParameterizedTest
    @EnumSource(ScheduleKind.class)
    void heldOutLossFallsAcrossBudgets(ScheduleKind kind, @TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("series");
        PretrainManifest m = pretrain(out, kind, "8K,16K,32K", null);
        List<PretrainedCheckpoint> cs = m.checkpoints();
        assertEquals(List.of("tokens-8K", "tokens-16K", "tokens-32K"), cs.stream().map(PretrainedCheckpoint::name).toList());
        double[] ood = cs.stream().mapToDouble(PretrainedCheckpoint::oodLoss).toArray();
        assertTrue(ood[0] < Math.log(256) - 1, kind + ": the first checkpoint learned something: " + ood[0]);
        assertTrue(ood[1] < ood[0] && ood[2] < ood[1], kind + ": held-out loss must fall with budget: " + java.util.Arrays.toString(ood));

        JsonNode json = new ObjectMapper().readTree(Files.readString(out.resolve("series.json")));
        assertEquals(PretrainManifest.FORMAT, json.get("format").asText());
        assertEquals("toy", json.get("name").asText());
        assertEquals(kind.name(), json.get("schedule").asText());
        assertEquals(1, json.get("seed").asLong());
        assertEquals("bytes", json.get("tokenizer").asText());
        assertEquals(DATA.trainSha256(), json.get("data_sha256").asText());
        assertEquals(64, json.get("model").get("n_embd").asInt());
        assertEquals("gpt2", json.get("model").get("model_type").asText());
        assertEquals(256, json.get("train").get("tokens_per_step").asInt());
        assertEquals(3e-3, json.get("train").get("lr").asDouble());
        assertEquals(3, json.get("train").get("warmup_steps").asInt());
        assertEquals(kind == ScheduleKind.wsd, json.get("train").has("decay_fraction"));
        assertTrue(json.get("complete").asBoolean());
        long[] steps = {31, 62, 125};
        long[] budgets = {8_000, 16_000, 32_000};
        for (int i = 0; i < 3; i++) {
            JsonNode c = json.get("checkpoints").get(i);
            assertEquals(cs.get(i).name(), c.get("path").asText());
            // What was trained, steps x 256 (7,936 for the 8K budget), and the budget it stands for.
            assertEquals(steps[i] * 256, c.get("tokens").asLong());
            assertEquals(budgets[i], c.get("budget").asLong());
            assertEquals(steps[i], c.get("step").asLong());
            assertEquals(ood[i], c.get("ood_loss").asDouble());
            assertTrue(c.get("ood_eval_tokens").asLong() > 100);
            Path dir = out.resolve(c.get("path").asText());
            assertEquals(Sha256.of(dir.resolve(ModelWeights.WEIGHTS)), c.get("sha256").get(ModelWeights.WEIGHTS).asText());
            assertEquals(Sha256.of(dir.resolve(ModelWeights.CONFIG)), c.get("sha256").get(ModelWeights.CONFIG).asText());
            // The byte tokenizer it trained with sits beside the weights, so a scan reads the text as training did.
            assertArrayEquals(new int[] {104, 105, 195, 169}, dev.overtune.text.Tokenizers.forCheckpoint(dir, MODEL.vocabSize()).encode("hi\u00e9"));
            try (Arena arena = Arena.ofConfined(); ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
                ModelWeights.load(ckpt, ModelConfigs.resolve(dir.toString()), ParamStore.allocate(arena, MODEL.params()));
            }
        }
        assertFalse(Files.exists(out.resolve(PretrainRun.STATE_DIR)), "a finished series keeps no optimizer state");
    }

    @Test
    void annealedRunsEachStartFromTheSameInit(@TempDir Path tmp) {
        PretrainManifest both = pretrain(tmp.resolve("a"), ScheduleKind.annealed, "8K,16K", 3L);
        PretrainManifest alone = pretrain(tmp.resolve("b"), ScheduleKind.annealed, "16K", 3L);
        assertEquals(weightsSha(alone, "tokens-16K"), weightsSha(both, "tokens-16K"),
                "the 16K run of a series is the 16K run on its own: nothing carries over from the 8K run");
        // An intermediate run over 16K follows the same cosine from the same init: its last checkpoint is that same run.
        PretrainManifest intermediate = pretrain(tmp.resolve("c"), ScheduleKind.intermediate, "8K,16K", 3L);
        assertEquals(weightsSha(alone, "tokens-16K"), weightsSha(intermediate, "tokens-16K"));
        assertNotEquals(weightsSha(both, "tokens-8K"), weightsSha(intermediate, "tokens-8K"), "annealed 8K has decayed, intermediate 8K has not");
    }

    @Test
    void wsdBranchesLeaveTheTrunkAsItWas(@TempDir Path tmp) {
        PretrainManifest both = pretrain(tmp.resolve("a"), ScheduleKind.wsd, "8K,16K", 3L);
        PretrainManifest first = pretrain(tmp.resolve("b"), ScheduleKind.wsd, "8K", 3L);
        PretrainManifest second = pretrain(tmp.resolve("c"), ScheduleKind.wsd, "16K", 3L);
        assertEquals(weightsSha(first, "tokens-8K"), weightsSha(both, "tokens-8K"));
        assertEquals(weightsSha(second, "tokens-16K"), weightsSha(both, "tokens-16K"),
                "the trunk goes on from where it branched, untouched by the 8K decay");
    }

    /** Stands in for kill -9: thrown out of the run at a chosen point, leaving the disk as it was. */
    static final class Killed extends RuntimeException {
        Killed() {
            super("killed");
        }
    }

    /** Kills the run after {@code steps} steps, or at its first checkpoint. */
    record Killer(int steps, boolean atCheckpoint, long[] taken, boolean[] resumed) implements PretrainListener {
        Killer(int steps, boolean atCheckpoint) {
            this(steps, atCheckpoint, new long[1], new boolean[1]);
        }

        @Override
        public void onResume(long stepsDone) {
            resumed[0] = true;
        }

        @Override
        public void onStep(SeriesPlan.Leg leg, StepResult step) {
            if (++taken[0] == steps && !atCheckpoint) {
                throw new Killed();
            }
        }

        @Override
        public void onCheckpoint(PretrainedCheckpoint checkpoint) {
            if (atCheckpoint) {
                throw new Killed();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ScheduleKind.class)
    void killedAnywhereAndResumedEndsBitIdentical(ScheduleKind kind, @TempDir Path tmp) {
        PretrainSettings s = settings(kind, "4K,8K,16K", null, 3e-3);
        PretrainManifest straight = pretrain(tmp.resolve("straight"), s, DATA, false, new PretrainListener() {});

        Path out = tmp.resolve("killed");
        int lives = 0;
        int kills = 0;
        int resumes = 0;
        long stepsTaken = 0;
        PretrainManifest resumed = null;
        while (resumed == null) {
            assertTrue(lives < 40, "no progress after " + lives + " lives");
            // Alternate: killed 17 steps in (between state saves, inside any leg), or right after a checkpoint is written.
            Killer killer = new Killer(17, lives % 2 == 1);
            try {
                resumed = pretrain(out, s, DATA, lives > 0, killer);
            } catch (Killed k) {
                kills++;
            }
            resumes += killer.resumed()[0] ? 1 : 0;
            stepsTaken += killer.taken()[0];
            lives++;
        }
        assertTrue(kills >= 4, kind + ": only " + kills + " kills");
        assertTrue(resumes >= kills - 1, kind + ": " + resumes + " of " + kills + " restarts resumed a saved state");
        assertEquals(straight.checkpoints(), resumed.checkpoints(), kind + ": same names, steps, sha256 and held-out losses");
        long planned = SeriesPlan.of(s).totalSteps();
        assertTrue(stepsTaken <= planned + kills * STATE_EVERY,
                kind + ": " + stepsTaken + " steps for a " + planned + "-step plan; a kill may only cost the steps since the last save");
    }

    @Test
    void heldOutTextCanComeFromItsOwnFiles(@TempDir Path tmp) throws Exception {
        TextCorpus corpus = new TextCorpus(Path.of("toy"), List.of(new TextCorpus.Document("toy.txt", ToyText.generate(7, 2_500))));
        TextCorpus heldOut = new TextCorpus(Path.of("ood"), List.of(new TextCorpus.Document("ood.txt", ToyText.generate(9, 100))));
        PretrainData data = PretrainData.separate(corpus, heldOut, new ByteTokenizer());
        assertEquals(Sha256.of(corpus.tokens(new ByteTokenizer())), data.trainSha256(), "all of the corpus is trained on");
        Path out = tmp.resolve("s");
        PretrainSettings s = settings(ScheduleKind.annealed, "4K", null, 3e-3);
        pretrain(out, s, data, false, new PretrainListener() {});
        JsonNode json = new ObjectMapper().readTree(Files.readString(out.resolve("series.json")));
        assertEquals("ood", json.get("data").get("ood_corpus").asText());
        assertFalse(json.get("data").has("ood_fraction"));
        assertEquals(data.heldOut().length, json.get("data").get("ood_tokens").asInt());

        PretrainData otherHeldOut = PretrainData.separate(corpus,
                new TextCorpus(Path.of("ood"), List.of(new TextCorpus.Document("ood.txt", ToyText.generate(10, 100)))), new ByteTokenizer());
        SeriesConflictException e = assertThrows(SeriesConflictException.class, () -> pretrain(out, s, otherHeldOut, true, new PretrainListener() {}));
        assertTrue(e.getMessage().contains("--ood (sha256 of the held-out tokens)"), e.getMessage());
    }

    @Test
    void refusesADirectoryHoldingAnotherSeries(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("s");
        PretrainSettings s = settings(ScheduleKind.annealed, "4K", null, 3e-3);
        PretrainManifest made = pretrain(out, s, DATA, false, new PretrainListener() {});

        SeriesConflictException again = assertThrows(SeriesConflictException.class, () -> pretrain(out, s, DATA, false, new PretrainListener() {}));
        assertTrue(again.getMessage().contains("already holds this series") && again.getMessage().contains("--resume"), again.getMessage());

        SeriesConflictException lr = assertThrows(SeriesConflictException.class,
                () -> pretrain(out, settings(ScheduleKind.annealed, "4K", null, 1e-3), DATA, true, new PretrainListener() {}));
        assertTrue(lr.getMessage().contains("--lr was 0.003 there, 0.001 now"), lr.getMessage());

        SeriesConflictException data = assertThrows(SeriesConflictException.class,
                () -> pretrain(out, s, data(ToyText.generate(8, 2_500)), true, new PretrainListener() {}));
        assertTrue(data.getMessage().contains("--corpus"), data.getMessage());

        SeriesConflictException kind = assertThrows(SeriesConflictException.class,
                () -> pretrain(out, settings(ScheduleKind.wsd, "4K", null, 3e-3), DATA, true, new PretrainListener() {}));
        assertTrue(kind.getMessage().contains("--schedule was annealed there, wsd now"), kind.getMessage());

        Files.writeString(Files.createDirectories(tmp.resolve("other")).resolve("notes.txt"), "x");
        SeriesConflictException junk = assertThrows(SeriesConflictException.class, () -> pretrain(tmp.resolve("other"), s, DATA, true, new PretrainListener() {}));
        assertTrue(junk.getMessage().contains("no series.json"), junk.getMessage());

        long[] steps = {0};
        PretrainManifest done = pretrain(out, s, DATA, true, new PretrainListener() {
            @Override
            public void onStep(SeriesPlan.Leg leg, StepResult step) {
                steps[0]++;
            }
        });
        assertEquals(0, steps[0], "resuming a finished series does nothing");
        assertEquals(made.checkpoints(), done.checkpoints());
    }
}
