package dev.overtune.train;

import dev.overtune.backend.OrtBackend;
import dev.overtune.data.TokenWindows;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Save mid-training, reload into fresh objects, continue: bit-identical to never stopping. */
class ResumeTest {
    static final int STEPS = 8;
    static final int SAVE_AT = 3;

    static TrainConfig config() {
        return new TrainConfig(2, 32, new LrSchedule(3e-3, 3e-4, 2, STEPS), AdamW.Config.defaults(), 1.0);
    }

    static TokenWindows data() {
        SplittableRandom rnd = new SplittableRandom(11);
        int[] tokens = new int[4000];
        for (int i = 0; i < tokens.length; i++) {
            // A learnable stream: mostly counting, some noise.
            tokens[i] = rnd.nextInt(10) == 0 ? rnd.nextInt(512) : i % 97;
        }
        return new TokenWindows(tokens, 5);
    }

    @Test
    void resumedRunIsBitIdentical(@TempDir Path tmp) {
        LanguageModel model = ModelConfigs.resolve("tiny");
        TokenWindows data = data();
        List<Double> straight = new ArrayList<>();
        float[] straightFinal;
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(42);
            try (Trainer t = new Trainer(backend, model, params, config(), arena)) {
                for (int s = 0; s < STEPS; s++) {
                    straight.add(t.step(data).loss());
                }
            }
            straightFinal = params.flat().toFloatArray();
        }

        Path saved = tmp.resolve("state");
        List<Double> resumed = new ArrayList<>();
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(42);
            try (Trainer t = new Trainer(backend, model, params, config(), arena)) {
                for (int s = 0; s < SAVE_AT; s++) {
                    resumed.add(t.step(data).loss());
                }
                TrainingCheckpoint.save(saved, t, null);
            }
        }
        assertTrue(Files.exists(saved.resolve("model.safetensors")));
        assertFalse(Files.exists(tmp.resolve("state.tmp")), "temporary directory left behind");
        float[] resumedFinal;
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(999); // overwritten by the restore
            try (Trainer t = new Trainer(backend, model, params, config(), arena)) {
                TrainingCheckpoint.restore(saved, t);
                assertEquals(SAVE_AT, t.nextStep());
                while (t.nextStep() < STEPS) {
                    resumed.add(t.step(data).loss());
                }
            }
            resumedFinal = params.flat().toFloatArray();
        }
        assertEquals(straight, resumed, "losses after resume differ");
        assertArrayEquals(straightFinal, resumedFinal, "final weights after resume differ");
        assertTrue(straight.get(STEPS - 1) < straight.get(0), "training should reduce the loss: " + straight);
    }
}
