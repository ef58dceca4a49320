package dev.overtune.probe;

import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerturbationsTest {
    static final LanguageModel MODEL = ModelConfigs.resolve("tiny");

    @Test
    void sameNoiseWhateverTheThreadCount() {
        try (Arena arena = Arena.ofShared()) {
            ParamStore base = ParamStore.allocate(arena, MODEL.params());
            base.initialize(3);
            ParamStore one = ParamStore.allocate(arena, MODEL.params());
            ParamStore four = ParamStore.allocate(arena, MODEL.params());
            try (var t = new Perturbations(1)) { t.addNoise(base, one, NoiseScale.INIT, 0.5, 77, 2); }
            try (var t = new Perturbations(4)) { t.addNoise(base, four, NoiseScale.INIT, 0.5, 77, 2); }
            assertArrayEquals(one.flat().toFloatArray(), four.flat().toFloatArray());
            ParamStore otherSample = ParamStore.allocate(arena, MODEL.params());
            try (var t = new Perturbations(2)) { t.addNoise(base, otherSample, NoiseScale.INIT, 0.5, 77, 3); }
            assertNotEquals(one.tensor("transformer.wte.weight").getFloat(0), otherSample.tensor("transformer.wte.weight").getFloat(0));
        }
    }

    @Test
    void initScaleFollowsEachParametersInitStdAndSparesConstants() {
        double gamma = 0.7;
        try (Arena arena = Arena.ofShared()) {
            ParamStore base = ParamStore.allocate(arena, MODEL.params());
            base.initialize(3);
            ParamStore out = ParamStore.allocate(arena, MODEL.params());
            try (var t = new Perturbations(2)) { t.addNoise(base, out, NoiseScale.INIT, gamma, 1, 0); }
            for (ParamSpec p : MODEL.params()) {
                HostTensor b = base.tensor(p.name());
                HostTensor o = out.tensor(p.name());
                if (p.initStd() == 0) {
                    assertArrayEquals(b.toFloatArray(), o.toFloatArray(), p.name() + " is constant-initialised: no noise");
                    continue;
                }
                double sum = 0;
                double sq = 0;
                for (long i = 0; i < b.size(); i++) {
                    double d = (o.getFloat(i) - b.getFloat(i)) / (gamma * p.initStd());
                    sum += d;
                    sq += d * d;
                }
                double mean = sum / b.size();
                double std = Math.sqrt(sq / b.size() - mean * mean);
                double tolerance = 5 / Math.sqrt(b.size());
                assertEquals(0, mean, tolerance, p.name() + " noise mean");
                assertEquals(1, std, 2 * tolerance + 0.01, p.name() + " noise std in units of gamma * init std");
            }
        }
    }

    @Test
    void absoluteAndRelativeScalesSizeTheNoiseAsDocumented() {
        try (Arena arena = Arena.ofShared(); Perturbations p = new Perturbations(2)) {
            ParamStore base = ParamStore.allocate(arena, MODEL.params());
            base.initialize(3);
            ParamStore out = ParamStore.allocate(arena, MODEL.params());
            String wte = "transformer.wte.weight";
            String gain = "transformer.ln_f.weight";
            p.addNoise(base, out, NoiseScale.ABSOLUTE, 0.05, 9, 0);
            assertEquals(0.05, std(base.tensor(wte), out.tensor(wte)), 0.002);
            assertEquals(0.05, std(base.tensor(gain), out.tensor(gain)), 0.02, "absolute noise reaches constant-initialised tensors too");
            p.addNoise(base, out, NoiseScale.RELATIVE, 0.1, 9, 0);
            double rms = Perturbations.rms(base.tensor(gain));
            assertEquals(0.1 * rms, std(base.tensor(gain), out.tensor(gain)), 0.03 * rms, "relative: sigma = gamma * rms(theta)");
        }
    }

    static double std(HostTensor a, HostTensor b) {
        double sq = 0;
        for (long i = 0; i < a.size(); i++) {
            double d = b.getFloat(i) - a.getFloat(i);
            sq += d * d;
        }
        return Math.sqrt(sq / a.size());
    }

    @Test
    void normalsAreStandard() {
        GaussianNoise g = new GaussianNoise(12345, 0);
        double[] z = new double[1 << 20];
        g.fill(0, 0, z);
        double sum = 0;
        double sq = 0;
        long beyond3 = 0;
        for (double v : z) {
            sum += v;
            sq += v * v;
            beyond3 += Math.abs(v) > 3 ? 1 : 0;
        }
        double mean = sum / z.length;
        assertEquals(0, mean, 0.005);
        assertEquals(1, Math.sqrt(sq / z.length - mean * mean), 0.005);
        assertEquals(0.0027, (double) beyond3 / z.length, 0.0005, "tail mass beyond 3 sigma");
        // Element-addressed: drawing one element alone gives the value it has in the stream.
        assertEquals(z[123457], g.at(0, 123457));
    }

    @Test
    void quantisationErrorIsAtMostHalfAStep() {
        try (Arena arena = Arena.ofShared()) {
            HostTensor w = HostTensor.allocate(arena, DType.F32, Shape.of(4, 6));
            for (int i = 0; i < 24; i++) {
                w.setFloat(i, (float) Math.sin(i * 1.3) * (1 + i % 4));
            }
            HostTensor q = HostTensor.allocate(arena, DType.F32, Shape.of(4, 6));
            new Quantization(4, 0).apply(w, q, 0);
            for (int r = 0; r < 4; r++) {
                double max = 0;
                for (int c = 0; c < 6; c++) {
                    max = Math.max(max, Math.abs(w.getFloat(r * 6 + c)));
                }
                double step = max / 7;
                java.util.Set<Float> levels = new java.util.HashSet<>();
                for (int c = 0; c < 6; c++) {
                    float v = q.getFloat(r * 6 + c);
                    assertTrue(Math.abs(v - w.getFloat(r * 6 + c)) <= step / 2 + 1e-6, "row " + r + " col " + c);
                    assertEquals(0, Math.abs(v / step - Math.rint(v / step)), 1e-4, "on the grid");
                    levels.add(v);
                }
                assertTrue(levels.size() <= 15);
            }
            // Per column (outputs along axis 1) with groups of 2 rows: every group keeps its max exactly.
            new Quantization(8, 2).apply(w, q, 1);
            for (int c = 0; c < 6; c++) {
                for (int g = 0; g < 4; g += 2) {
                    int argmax = Math.abs(w.getFloat(g * 6 + c)) >= Math.abs(w.getFloat((g + 1) * 6 + c)) ? g : g + 1;
                    assertEquals(w.getFloat(argmax * 6 + c), q.getFloat(argmax * 6 + c), 1e-6);
                }
            }
        }
    }

    @Test
    void quantizeTouchesMatricesOnlyAndMoreBitsHurtLess() {
        try (Arena arena = Arena.ofShared()) {
            ParamStore base = ParamStore.allocate(arena, MODEL.params());
            base.initialize(5);
            ParamStore int8 = ParamStore.allocate(arena, MODEL.params());
            ParamStore int4 = ParamStore.allocate(arena, MODEL.params());
            try (Perturbations p = new Perturbations(2)) {
            p.quantize(base, int8, new Quantization(8, 0), MODEL::outputAxis);
            p.quantize(base, int4, new Quantization(4, 0), MODEL::outputAxis);
            }
            assertArrayEquals(base.tensor("transformer.h.0.attn.c_attn.bias").toFloatArray(), int4.tensor("transformer.h.0.attn.c_attn.bias").toFloatArray());
            double e8 = distance(base, int8);
            double e4 = distance(base, int4);
            assertTrue(e8 > 0 && e4 > 10 * e8, "int8 error " + e8 + ", int4 error " + e4);
        }
    }

    static double distance(ParamStore a, ParamStore b) {
        double sum = 0;
        for (long i = 0; i < a.size(); i++) {
            double d = a.flat().getFloat(i) - b.flat().getFloat(i);
            sum += d * d;
        }
        return Math.sqrt(sum);
    }
}
