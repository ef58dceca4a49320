package dev.overtune.train;

import dev.overtune.backend.OrtBackend;
import dev.overtune.data.Batch;
import dev.overtune.model.Gpt2;
import dev.overtune.model.Gpt2Config;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two forward/backward passes over the same batch on two threads must give the same gradients, bit for
 * bit: the scan's fine-tunes, resume and the GPU comparison all rest on it. The embedding gradient is a
 * scatter-add with many repeated token ids (a 64-token vocabulary over 2,048 positions), where ONNX
 * Runtime's multi-threaded ScatterND(reduction=add) lost updates to races (onnxruntime#18048).
 */
class GradientDeterminismTest {
    @Test
    void repeatedStepsGiveIdenticalGradients() {
        LanguageModel model = new Gpt2(new Gpt2Config(64, 256, 256, 1, 4, 1e-5, "gelu_new"));
        TrainConfig config = new TrainConfig(8, 256, new LrSchedule(1e-3, 1e-3, 0, 10), AdamW.Config.defaults(), 1.0);
        try (Arena arena = Arena.ofShared();
             Trainer trainer = new Trainer(new OrtBackend(2), model, ParamStore.allocate(arena, model.params()), config, arena)) {
            trainer.params().initialize(3);
            SplittableRandom random = new SplittableRandom(4);
            Batch batch = trainer.batch();
            for (int i = 0; i < 8 * 256; i++) {
                batch.inputIds().setLong(i, random.nextInt(64));
                batch.targets().setLong(i, random.nextInt(64));
                batch.lossMask().setFloat(i, 1f);
            }
            trainer.computeGradients();
            float[] first = trainer.grads().flat().toFloatArray();
            for (int run = 0; run < 5; run++) {
                trainer.computeGradients();
                float[] again = trainer.grads().flat().toFloatArray();
                for (int k = 0; k < first.length; k++) {
                    if (Float.floatToRawIntBits(first[k]) != Float.floatToRawIntBits(again[k])) {
                        assertEquals(first[k], again[k], 0f, "run " + run + ": gradient element " + k + " of " + first.length + " differs");
                    }
                }
            }
        }
    }
}
