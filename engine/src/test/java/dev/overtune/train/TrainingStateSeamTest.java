package dev.overtune.train;

import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the Trainer asks of a TrainingState, in which order, and what it keeps for itself (divergence, step count). */
class TrainingStateSeamTest {
    private static final LanguageModel MODEL = ModelConfigs.resolve("tiny");
    private static final TrainConfig CONFIG = new TrainConfig(1, 4, new LrSchedule(1e-3, 1e-4, 0, 10), AdamW.Config.defaults(), 1.0);

    /** Records calls; returns the scripted loss and norm. */
    private static final class Recording implements TrainingState {
        final List<String> calls = new ArrayList<>();
        final AdamW adam;
        double loss = 2.0;
        double norm = 0.5;

        Recording(AdamW adam) {
            this.adam = adam;
        }

        public double computeGradients() {
            calls.add("grads");
            return loss;
        }

        public void anchorTo(ParamStore reference, double strength) {
            calls.add("anchor " + strength);
        }

        public double clipGradients(double maxNorm) {
            calls.add("clip " + maxNorm);
            return norm;
        }

        public void update(double lr) {
            calls.add("update");
            adam.countUpdate();
        }

        public ParamStore grads() {
            throw new UnsupportedOperationException();
        }

        public void copyToHost() {
            calls.add("toHost");
        }

        public void copyFromHost() {
            calls.add("fromHost");
        }

        public void close() {
            calls.add("close");
        }
    }

    @Test
    void aStepIsGradientsClipUpdateAndTheTrainerKeepsDivergenceAndSyncs() {
        try (Arena arena = Arena.ofConfined()) {
            ParamStore params = ParamStore.allocate(arena, MODEL.params());
            Recording[] state = new Recording[1];
            Trainer trainer = new Trainer((model, p, adam, batch, a) -> state[0] = new Recording(adam), MODEL, params, CONFIG, arena);
            Recording s = state[0];
            trainer.batch().lossMask().fill(1.0);
            trainer.anchorTo(params, 0.25);
            StepResult r = trainer.step();
            assertEquals(new StepResult(0, 2.0, 0.5, CONFIG.schedule().at(0)), r);
            assertEquals(1, trainer.nextStep());

            s.norm = Double.NaN;
            DivergenceException e = assertThrows(DivergenceException.class, trainer::step);
            assertTrue(e.getMessage().startsWith("training diverged at step 1: gradient norm is NaN; last finite loss 2.0 at step 0"), e.getMessage());
            s.loss = Double.POSITIVE_INFINITY;
            assertThrows(DivergenceException.class, trainer::step);

            trainer.syncToHost();
            trainer.restart(CONFIG);
            trainer.syncFromHost();
            trainer.close();
            assertEquals(List.of("anchor 0.25", "grads", "clip 1.0", "update", "grads", "clip 1.0", "grads",
                    "toHost", "fromHost", "fromHost", "close"), s.calls);
            assertEquals(0, trainer.nextStep(), "restart resets the optimizer's count");
        }
    }
}
