package dev.overtune.train;

import dev.overtune.backend.OrtBackend;
import dev.overtune.data.TokenWindows;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --l2-to-init: the pull toward the reference weights keeps fine-tuning closer to them, and 0 turns it off. */
class AnchorTest {
    @Test
    void strongerAnchorStaysCloserToTheReference() {
        double free = distanceAfterTraining(0.0);
        double anchored = distanceAfterTraining(50.0);
        assertTrue(anchored < 0.8 * free, "anchored drift " + anchored + " vs free drift " + free);
        assertEquals(free, distanceAfterTraining(0.0), 0.0, "deterministic without an anchor");
    }

    private static double distanceAfterTraining(double strength) {
        LanguageModel model = ModelConfigs.resolve("tiny");
        TokenWindows data = ResumeTest.data();
        TrainConfig cfg = new TrainConfig(2, 32, new LrSchedule(3e-3, 3e-3, 0, 12), new AdamW.Config(0.9, 0.95, 1e-8, 0.0), 1.0);
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend()) {
            ParamStore reference = ParamStore.allocate(arena, model.params());
            reference.initialize(4);
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.copyFrom(reference);
            try (Trainer t = new Trainer(backend, model, params, cfg, arena)) {
                t.anchorTo(reference, strength);
                while (t.nextStep() < 12) {
                    t.step(data);
                }
            }
            double sum = 0;
            for (long i = 0; i < params.size(); i++) {
                double d = params.flat().getFloat(i) - reference.flat().getFloat(i);
                sum += d * d;
            }
            return Math.sqrt(sum);
        }
    }
}
