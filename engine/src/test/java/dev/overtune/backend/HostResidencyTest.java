package dev.overtune.backend;

import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Perturbations;
import dev.overtune.probe.Perturber;
import dev.overtune.probe.Quantization;
import dev.overtune.train.Evaluator;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * On ONNX Runtime the parameters live in the host store itself: the backend's set is that store, syncing
 * moves nothing, and training, evaluation and perturbation through the set compute exactly what they do
 * through the store (the CPU path is unchanged by the seam).
 */
class HostResidencyTest {
    private static final LanguageModel MODEL = ModelConfigs.resolve("tiny");

    @Test
    void theOrtBackendsParametersAreTheHostStore() {
        try (Arena arena = Arena.ofShared(); OrtBackend ort = new OrtBackend(1)) {
            ParamStore store = ParamStore.allocate(arena, MODEL.params());
            store.initialize(3);
            try (Parameters set = ort.parameters(store)) {
                assertInstanceOf(HostParameters.class, set);
                assertSame(store, set.host());
                float before = store.flat().getFloat(17);
                set.syncFromHost();
                set.syncToHost();
                assertEquals(before, store.flat().getFloat(17));
                ParamStore other = ParamStore.allocate(arena, MODEL.params());
                other.initialize(4);
                set.copyFrom(new HostParameters(other));
                assertEquals(-1, store.flat().segment().mismatch(other.flat().segment()), "copyFrom copies every element");
            }
        }
    }

    @Test
    void perturbingAndEvaluatingThroughTheSetIsBitIdenticalToTheStores() {
        try (Arena arena = Arena.ofShared(); OrtBackend ort = new OrtBackend(1); Perturber perturber = Perturber.on(ort, 2);
             Perturbations direct = new Perturbations(2)) {
            assertInstanceOf(Perturbations.class, perturber, "the host perturbs where the parameters live: on the host");
            ParamStore base = ParamStore.allocate(arena, MODEL.params());
            base.initialize(5);
            ParamStore viaSet = ParamStore.allocate(arena, MODEL.params());
            ParamStore viaStores = ParamStore.allocate(arena, MODEL.params());
            Parameters baseSet = ort.parameters(base);
            Parameters outSet = ort.parameters(viaSet);
            perturber.addNoise(baseSet, outSet, NoiseScale.INIT, 1.0, 99, Double.hashCode(1.0));
            direct.addNoise(base, viaStores, NoiseScale.INIT, 1.0, 99, Double.hashCode(1.0));
            assertEquals(-1, viaSet.flat().segment().mismatch(viaStores.flat().segment()), "noise");
            assertNotEquals(-1, viaSet.flat().segment().mismatch(base.flat().segment()), "noise changed the weights");

            double throughSet = evaluate(ort, arena, outSet, null);
            double throughStore = evaluate(ort, arena, null, viaStores);
            assertEquals(Double.doubleToRawLongBits(throughStore), Double.doubleToRawLongBits(throughSet), "evaluation");

            perturber.quantize(baseSet, outSet, new Quantization(4, 32), MODEL::outputAxis);
            direct.quantize(base, viaStores, new Quantization(4, 32), MODEL::outputAxis);
            assertEquals(-1, viaSet.flat().segment().mismatch(viaStores.flat().segment()), "quantisation");
        }
    }

    private static double evaluate(Backend backend, Arena arena, Parameters set, ParamStore store) {
        try (Evaluator e = set != null ? new Evaluator(backend, MODEL, set, 2, 16, arena) : new Evaluator(backend, MODEL, store, 2, 16, arena)) {
            SplittableRandom random = new SplittableRandom(1);
            for (long i = 0; i < e.batch().inputIds().size(); i++) {
                e.batch().inputIds().setLong(i, random.nextInt(MODEL.vocabSize()));
                e.batch().targets().setLong(i, random.nextInt(MODEL.vocabSize()));
                e.batch().lossMask().setFloat(i, 1f);
            }
            e.run();
            return e.nllSum();
        }
    }
}
