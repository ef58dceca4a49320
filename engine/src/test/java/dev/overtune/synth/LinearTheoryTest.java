package dev.overtune.synth;

import dev.overtune.model.LanguageModel;
import dev.overtune.model.LinearNetwork;
import dev.overtune.model.ModelConfigs;
import dev.overtune.synth.LinearTheory.Alignment;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearTheoryTest {
    static final LinearTheory THEORY = LinearTheory.defaults(7);

    /** A's singular directions are what the class says: A v_i = s_i u_i, so ‖A‖_F² = Σ s_i². */
    @Test
    void pretrainMapHasTheStatedSpectrum() {
        double[][] a = THEORY.pretrainMap();
        double[] s = THEORY.singularValues();
        assertEquals(LinearTheory.RANK, s.length);
        double expected = 0;
        for (int i = 0; i < s.length; i++) {
            expected += s[i] * s[i];
            if (i > 0) {
                assertTrue(s[i] < s[i - 1], "decaying singular values");
            }
        }
        assertEquals(expected, frobenius2(a), 1e-6 * expected);
    }

    @Test
    void misalignedTaskAddsADirectionOrthogonalToA() {
        double[][] a = THEORY.pretrainMap();
        double[][] b = THEORY.fineTuneMap(Alignment.MISALIGNED);
        double[][] d = minus(b, a);
        double top = THEORY.singularValues()[0];
        // B − A is rank one with singular value s_0, and orthogonal to A on both sides: ⟨A, B − A⟩ = 0.
        assertEquals(top * top, frobenius2(d), 1e-6 * top * top);
        assertEquals(0, inner(a, d), 1e-6 * top * top);
    }

    @Test
    void alignedTaskRescalesA() {
        double[][] a = THEORY.pretrainMap();
        double[][] b = THEORY.fineTuneMap(Alignment.ALIGNED);
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a.length; j++) {
                assertEquals(LinearTheory.ALIGNED_SCALE * a[i][j], b[i][j], 1e-9);
            }
        }
    }

    @Test
    void samplesAreDeterministicInRangeAndFollowTheMap() {
        int[] x = THEORY.pretrainTokens(200_000, 1);
        assertArrayEquals(x, LinearTheory.defaults(7).pretrainTokens(200_000, 1));
        assertFalse(java.util.Arrays.equals(x, THEORY.pretrainTokens(200_000, 2)), "another stream is another sample");
        double[][] a = THEORY.pretrainMap();
        // The empirical cross-entropy of the sample under softmax(A) is the chain's entropy rate, far below log V.
        double nll = 0;
        for (int t = 0; t + 1 < x.length; t++) {
            assertTrue(x[t] >= 0 && x[t] < THEORY.vocab());
            nll -= logSoftmax(a[x[t]], x[t + 1]);
        }
        nll /= x.length - 1;
        assertTrue(nll < Math.log(THEORY.vocab()) / 2, "sharp rows: " + nll);
    }

    @Test
    void modelIsALinearConfigThatRoundTrips() {
        LinearNetwork m = THEORY.model();
        LanguageModel back = ModelConfigs.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(
                java.util.Map.of("model_type", "linear", "vocab_size", 32, "hidden_size", 32, "n_positions", 64, "init_std", 1e-3)), "test");
        assertEquals(m.configJson(), back.configJson());
        assertEquals(2 * 32 * 32, m.params().stream().mapToLong(p -> p.shape().size()).sum());
        assertThrows(IllegalArgumentException.class, () -> new LinearTheory(32, 32, 200, 0.6, 1));
    }

    private static double logSoftmax(double[] z, int y) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        return z[y] - max - Math.log(sum);
    }

    private static double[][] minus(double[][] p, double[][] q) {
        double[][] out = new double[p.length][p[0].length];
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < p[0].length; j++) {
                out[i][j] = p[i][j] - q[i][j];
            }
        }
        return out;
    }

    private static double inner(double[][] p, double[][] q) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < p[0].length; j++) {
                s += p[i][j] * q[i][j];
            }
        }
        return s;
    }

    private static double frobenius2(double[][] p) {
        return inner(p, p);
    }
}
