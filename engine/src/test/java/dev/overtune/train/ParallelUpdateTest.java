package dev.overtune.train;

import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AdamW and clipping split the flat block into chunks run on several threads where the arena is
 * shared, on the caller alone where it is confined: both must give the same bits, and AdamW must equal
 * the element-by-element rule with each parameter's own weight decay, across chunk and parameter edges.
 */
class ParallelUpdateTest {
    // Sizes chosen so parameters start and end inside chunks, and one (a vector: no decay) spans a chunk edge.
    private static final List<ParamSpec> SPECS = List.of(
            ParamSpec.normal("a", 0.02, 300, 333),
            ParamSpec.zeros("b", 70_001),
            ParamSpec.normal("c", 0.02, 3, 5),
            ParamSpec.normal("d", 0.02, 512, 257));

    private static ParamStore random(Arena arena, long seed) {
        ParamStore s = ParamStore.allocate(arena, SPECS);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < s.size(); i++) {
            s.flat().setFloat(i, (float) r.nextGaussian());
        }
        return s;
    }

    private static float[] steps(Arena arena, int steps, int threads) {
        ParamStore p = random(arena, 1);
        ParamStore g = random(arena, 2);
        AdamW adam = new AdamW(arena, p, AdamW.Config.defaults());
        try (FlatChunks chunks = new FlatChunks(threads)) {
            for (int s = 0; s < steps; s++) {
                GradClip.clip(g.flat(), 0.5, chunks);
                adam.update(p, g, 1e-2, chunks);
            }
        }
        return p.flat().toFloatArray();
    }

    @Test
    void sharedAndConfinedArenasGiveTheSameBits() {
        try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined()) {
            float[] parallel = steps(shared, 3, 3);
            float[] sequential = steps(confined, 3, 3);
            float[] oneThread = steps(shared, 3, 1);
            for (int i = 0; i < parallel.length; i++) {
                assertEquals(Float.floatToRawIntBits(oneThread[i]), Float.floatToRawIntBits(parallel[i]), "element " + i + " on 1 vs 3 threads");
            }
            for (int i = 0; i < parallel.length; i++) {
                assertEquals(Float.floatToRawIntBits(sequential[i]), Float.floatToRawIntBits(parallel[i]), "element " + i);
            }
        }
    }

    @Test
    void updateIsTheElementwiseRuleWithEachParametersDecay() {
        try (Arena arena = Arena.ofShared()) {
            ParamStore p = random(arena, 3);
            ParamStore g = random(arena, 4);
            float[] before = p.flat().toFloatArray();
            float[] grad = g.flat().toFloatArray();
            AdamW.Config c = AdamW.Config.defaults();
            double lr = 3e-3;
            new AdamW(arena, p, c).update(p, g, lr);
            // Step 1 from zero moments, written out as torch.optim.AdamW does it.
            float fStep = (float) (lr / (1 - c.beta1()));
            float fCorr = (float) Math.sqrt(1 - c.beta2());
            long offset = 0;
            for (ParamSpec spec : SPECS) {
                float decay = (float) (spec.decays() ? 1 - lr * c.weightDecay() : 1.0);
                for (long k = 0; k < spec.shape().size(); k++) {
                    int i = (int) (offset + k);
                    float m = (float) c.beta1() * 0f + (float) (1 - c.beta1()) * grad[i];
                    float v = (float) c.beta2() * 0f + (float) (1 - c.beta2()) * grad[i] * grad[i];
                    float expected = before[i] * decay - fStep * m / ((float) Math.sqrt(v) / fCorr + (float) c.eps());
                    assertEquals(expected, p.flat().getFloat(i), 0f, spec.name() + "[" + k + "]");
                }
                offset += spec.shape().size();
            }
        }
    }

    @Test
    void normIsTheSumOfSquaresAndClippingScalesToTheBound() {
        try (Arena arena = Arena.ofShared()) {
            ParamStore g = random(arena, 5);
            double naive = 0;
            for (long i = 0; i < g.size(); i++) {
                naive += (double) g.flat().getFloat(i) * g.flat().getFloat(i);
            }
            double norm = GradClip.globalNorm(g.flat());
            assertEquals(Math.sqrt(naive), norm, 1e-12 * norm);
            assertEquals(norm, GradClip.clip(g.flat(), 1.0));
            double after = GradClip.globalNorm(g.flat());
            assertTrue(Math.abs(after - 1.0) < 1e-5, "clipped norm " + after);
            assertNotEquals(norm, after);
        }
    }
}
