package dev.overtune.train;

import dev.overtune.backend.OrtBackend;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A NaN loss stops training with the step and the last finite loss, and applies nothing. */
class DivergenceTest {
    @Test
    void nanLossStopsWithStepAndLastFiniteLoss() {
        LanguageModel model = ModelConfigs.resolve("tiny");
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(1);
            TrainConfig cfg = ResumeTest.config();
            try (Trainer t = new Trainer(backend, model, params, cfg, arena)) {
                var data = ResumeTest.data();
                double first = t.step(data).loss();
                t.step(data);
                // Poison one weight: every following loss is NaN.
                params.tensor("transformer.ln_f.weight").setFloat(0, Float.NaN);
                float[] before = params.flat().toFloatArray();
                DivergenceException e = assertThrows(DivergenceException.class, () -> t.step(data));
                assertEquals(2, e.step());
                assertTrue(e.getMessage().contains("step 2") && e.getMessage().contains("last finite loss"), e.getMessage());
                assertTrue(e.getMessage().contains("at step 1"), e.getMessage());
                assertArrayEquals(before, params.flat().toFloatArray(), "a diverged step must not touch the weights");
                assertEquals(2, t.nextStep(), "a diverged step must not count");
                assertTrue(Double.isFinite(first));
            }
        }
    }
}
