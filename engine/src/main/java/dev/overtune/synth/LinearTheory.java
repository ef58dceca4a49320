package dev.overtune.synth;

import dev.overtune.model.LinearConfig;
import dev.overtune.model.LinearNetwork;
import dev.overtune.pretrain.Budgets;
import dev.overtune.pretrain.PretrainData;
import dev.overtune.pretrain.PretrainSettings;
import dev.overtune.pretrain.ScheduleKind;
import dev.overtune.train.AdamW;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ground truth for the scan: the paper's linear theory (§4) as synthetic token data. The pre-training
 * "map" is a rank-{@code rank} logit matrix A = Σ s_i u_i v_iᵀ over a {@code vocab}-token vocabulary with
 * singular values s_i = top · ratio^i; the next token after x is drawn from softmax(A[x, :]). A
 * {@link LinearNetwork} trained on that stream from small init by gradient descent learns A's directions
 * one at a time, largest first (Saxe et al. 2014), and its weights keep growing long after its loss has
 * stopped improving (the rows of softmax(A) are sharp, so cross-entropy keeps pushing the logits out).
 * The fine-tuning map B is either {@link Alignment#MISALIGNED} (A plus a direction that A's singular
 * vectors do not span) or {@link Alignment#ALIGNED} (A's own singular vectors, singular values × 1.5).
 * Everything is a function of the seed.
 *
 * <p>{@code engine/src/test/python/linear_theory.py} is the independent reference ({@code LinearTheoryReferenceTest} runs it): the same setting in
 * numpy, trained by full-batch gradient descent on the exact expected loss, which is where these
 * numbers come from.
 */
public final class LinearTheory {
    public enum Alignment {
        /** B = A + top · u_r v_rᵀ with (u_r, v_r) orthogonal to every direction of A: the theory's misaligned task. */
        MISALIGNED,
        /** B = 1.5 · A: the same singular vectors, so fine-tuning only rescales what pre-training learned. */
        ALIGNED
    }

    /** The default setting: 32 tokens, rank 6, singular values 200, 120, 72, 43, 26, 16. */
    public static final int VOCAB = 32;
    public static final int RANK = 6;
    public static final double TOP = 200;
    public static final double RATIO = 0.6;
    static final double ALIGNED_SCALE = 1.5;
    /** The sample streams: pre-training text, its held-out text (the OOD loss), the fine-tuning task's text. */
    public static final long TRAIN_STREAM = 1;
    public static final long HELD_OUT_STREAM = 2;

    /**
     * AdamW with β1 = β2 = 0 and this ε updates by lr·g/(|g| + ε): gradient descent at rate lr/ε, what the
     * theory trains with, to within 0.3% for any gradient element below 0.3 (the expected gradient's
     * largest element along the default series, early in it, is 0.30; the reference prints it).
     */
    public static final double GD_EPS = 100;

    private final int vocab;
    private final double[] singular;
    private final double[][] u;
    private final double[][] v;
    private final long seed;

    public LinearTheory(int vocab, int rank, double top, double ratio, long seed) {
        if (vocab < 2 || rank < 1 || rank >= vocab || !(top > 0) || !(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("linear theory needs vocab >= 2, 1 <= rank < vocab, top > 0 and 0 < ratio <= 1; got vocab "
                    + vocab + ", rank " + rank + ", top " + top + ", ratio " + ratio);
        }
        this.vocab = vocab;
        this.seed = seed;
        this.singular = new double[rank];
        for (int i = 0; i < rank; i++) {
            singular[i] = top * Math.pow(ratio, i);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        // One spare direction on each side, for the misaligned task's new direction.
        this.u = orthonormal(rnd, vocab, rank + 1);
        this.v = orthonormal(rnd, vocab, rank + 1);
    }

    public static LinearTheory defaults(long seed) {
        return new LinearTheory(VOCAB, RANK, TOP, RATIO, seed);
    }

    public int vocab() {
        return vocab;
    }

    public double[] singularValues() {
        return singular.clone();
    }

    /** The model the data is made for: hidden width = vocab, init std 1e-3. */
    public LinearNetwork model() {
        return new LinearNetwork(new LinearConfig(vocab, vocab, 64, 1e-3));
    }

    /** The pre-training logit map A, [vocab][vocab]. */
    public double[][] pretrainMap() {
        double[][] a = new double[vocab][vocab];
        for (int i = 0; i < singular.length; i++) {
            addOuter(a, singular[i], u[i], v[i]);
        }
        return a;
    }

    /** The fine-tuning logit map B. */
    public double[][] fineTuneMap(Alignment alignment) {
        double[][] b = pretrainMap();
        switch (alignment) {
            case MISALIGNED -> addOuter(b, singular[0], u[singular.length], v[singular.length]);
            case ALIGNED -> {
                for (double[] row : b) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] *= ALIGNED_SCALE;
                    }
                }
            }
        }
        return b;
    }

    /** {@code n} tokens of pre-training text, a Markov chain under softmax(A); {@code stream} keeps samples apart. */
    public int[] pretrainTokens(int n, long stream) {
        return sample(pretrainMap(), n, stream);
    }

    /** {@code n} tokens of the fine-tuning task's text, a Markov chain under softmax(B). */
    public int[] fineTuneTokens(Alignment alignment, int n, long stream) {
        return sample(fineTuneMap(alignment), n, stream);
    }

    /** Pre-training data: {@code train} tokens to train on, a separate {@code heldOut} sample for the OOD loss. */
    public PretrainData pretrainData(int train, int heldOut) {
        return PretrainData.ofTokens("synthetic linear theory (seed " + seed + ")", "token-ids",
                pretrainTokens(train, TRAIN_STREAM), pretrainTokens(heldOut, HELD_OUT_STREAM));
    }

    /**
     * The theory's pre-training: gradient descent at rate {@code gdRate}, constant (an intermediate
     * series saved as it passes each budget, no warm-up, no decay), no weight decay, no clipping in effect.
     */
    public static PretrainSettings gradientDescent(Budgets budgets, int batch, int seqLen, double gdRate, long seed) {
        double lr = gdRate * GD_EPS;
        return new PretrainSettings(budgets, ScheduleKind.intermediate, batch, seqLen, lr, lr, 0L, 0.2,
                new AdamW.Config(0.0, 0.0, GD_EPS, 0.0), 1e9, seed);
    }

    private int[] sample(double[][] logits, int n, long stream) {
        double[][] cumulative = new double[vocab][vocab];
        for (int x = 0; x < vocab; x++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double z : logits[x]) {
                max = Math.max(max, z);
            }
            double sum = 0;
            for (int y = 0; y < vocab; y++) {
                sum += Math.exp(logits[x][y] - max);
                cumulative[x][y] = sum;
            }
            for (int y = 0; y < vocab; y++) {
                cumulative[x][y] /= sum;
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + stream);
        int[] out = new int[n];
        int x = rnd.nextInt(vocab);
        for (int t = 0; t < n; t++) {
            out[t] = x;
            double r = rnd.nextDouble();
            int y = 0;
            while (y < vocab - 1 && cumulative[x][y] <= r) {
                y++;
            }
            x = y;
        }
        return out;
    }

    private static void addOuter(double[][] m, double s, double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                m[i][j] += s * a[i] * b[j];
            }
        }
    }

    /** {@code k} orthonormal vectors of length n: Gram–Schmidt on Gaussian draws. */
    private static double[][] orthonormal(SplittableRandom rnd, int n, int k) {
        List<double[]> basis = new ArrayList<>();
        while (basis.size() < k) {
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                w[i] = gaussian(rnd);
            }
            for (double[] b : basis) {
                double dot = dot(w, b);
                for (int i = 0; i < n; i++) {
                    w[i] -= dot * b[i];
                }
            }
            double norm = Math.sqrt(dot(w, w));
            if (norm > 1e-6) {
                for (int i = 0; i < n; i++) {
                    w[i] /= norm;
                }
                basis.add(w);
            }
        }
        return basis.toArray(double[][]::new);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
