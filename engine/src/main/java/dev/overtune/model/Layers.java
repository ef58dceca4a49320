package dev.overtune.model;

import dev.overtune.graph.Constant;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

/** The transformer pieces the model families share, each written in the IR's primitive ops. */
final class Layers {
    private Layers() {}

    /** Token ids must be [batch, seq] with seq within the model's context. */
    static void requireIds(Value ids, String family, String contextField, int context) {
        if (ids.shape().rank() != 2 || ids.shape().dim(1) > context) {
            throw new ModelConfigException(family + " takes ids [batch, seq] with seq <= " + contextField + " " + context + ", got " + ids.shape());
        }
    }

    /**
     * [seq, seq]: 0 where query i may attend to key j (j <= i), -1e9 elsewhere. Added to the scores,
     * which ONNX Runtime broadcasts far faster than a Where over [B,H,T,T].
     */
    static Value causalMask(GraphBuilder g, int seq) {
        double[] bias = new double[seq * seq];
        for (int i = 0; i < seq; i++) {
            for (int j = i + 1; j < seq; j++) {
                bias[i * seq + j] = -1e9;
            }
        }
        return g.constant("causal_mask", DType.F32, Shape.of(seq, seq), new Constant.Floats(bias));
    }

    /** The causal mask further limited to a sliding window: query i sees keys i - window < j <= i (Mistral). */
    static Value slidingWindowMask(GraphBuilder g, int seq, int window) {
        double[] bias = new double[seq * seq];
        for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
                if (j > i || i - j >= window) {
                    bias[i * seq + j] = -1e9;
                }
            }
        }
        return g.constant("sliding_window_mask", DType.F32, Shape.of(seq, seq), new Constant.Floats(bias));
    }

    /** LayerNorm over the last axis with no weight or bias (OLMo-1's): unit scale and zero shift as constants. */
    static Value plainLayerNorm(GraphBuilder g, Value x, double eps) {
        int d = x.shape().dim(-1);
        double[] ones = new double[d];
        java.util.Arrays.fill(ones, 1.0);
        Value scale = g.constant("layer_norm_ones", x.dtype(), Shape.of(d), new Constant.Floats(ones));
        Value shift = g.constant("layer_norm_zeros", x.dtype(), Shape.of(d), new Constant.Floats(new double[d]));
        return g.layerNorm(x, scale, shift, eps);
    }

    /**
     * torch.clamp(x, -c, c) from the IR's ops: max(x, -c) as a ReduceMax over a trailing pair
     * [x, -c], then min(y, c) = -max(-y, -c). The gradient flows where x lies inside the range, as
     * PyTorch's does.
     */
    static Value clamp(GraphBuilder g, Value x, double c) {
        return g.neg(maxWith(g, g.neg(maxWith(g, x, -c)), -c));
    }

    private static Value maxWith(GraphBuilder g, Value x, double bound) {
        int[] dims = x.shape().dims();
        int[] paired = java.util.Arrays.copyOf(dims, dims.length + 1);
        paired[dims.length] = 1;
        Value col = g.reshape(x, paired);
        Value limit = g.expand(g.reshape(g.scalar(bound, x.dtype()), onesOfRank(paired.length)), Shape.of(paired));
        return g.reduceMax(g.concat(paired.length - 1, col, limit), false, paired.length - 1);
    }

    private static int[] onesOfRank(int rank) {
        int[] out = new int[rank];
        java.util.Arrays.fill(out, 1);
        return out;
    }

    /** {@code torch.nn.Linear}: weight laid out [out, in]; bias [out], or null for none. */
    static Value dense(GraphBuilder g, Value x, Value weight, Value bias) {
        Value y = g.matmul(x, g.transpose(weight, 1, 0));
        return bias == null ? y : g.add(y, bias);
    }

    /** Hugging Face's activation of that name: gelu (erf), gelu_new (tanh approximation) or silu. */
    static Value activation(GraphBuilder g, Value x, String name) {
        return switch (name) {
            // One op each, so ONNX Runtime fuses the forward (its intermediates stay private to it).
            case "gelu" -> g.gelu(x, false);
            case "gelu_new" -> g.gelu(x, true);
            // x sigmoid(x), with sigmoid(x) = (1 + tanh(x/2)) / 2: the 1/(1+exp(-x)) form overflows
            // exp for x < -88 in float32 and its gradient then becomes 0 * inf = NaN.
            case "silu" -> g.mul(x, g.mul(g.add(g.tanh(g.mul(x, 0.5)), 1.0), 0.5));
            default -> throw new IllegalArgumentException("no activation '" + name + "'");
        };
    }

    /** x / sqrt(mean(x^2) + eps) * weight over the last axis. */
    static Value rmsNorm(GraphBuilder g, Value x, Value weight, double eps) {
        Value meanSquare = g.reduceMean(g.mul(x, x), true, -1);
        return g.mul(g.div(x, g.sqrt(g.add(meanSquare, eps))), weight);
    }

    /**
     * Scaled dot-product attention under the causal mask: queries [B,H,T,hd], keys and values
     * [B,KV,T,hd] with H a multiple of KV (query head h reads key/value head h / (H/KV)); returns the
     * heads merged back, [B,T,H*hd].
     */
    static Value causalAttention(GraphBuilder g, Value q, Value k, Value v, Value causal) {
        int batch = q.shape().dim(0);
        int heads = q.shape().dim(1);
        int seq = q.shape().dim(2);
        int hd = q.shape().dim(3);
        int kvHeads = k.shape().dim(1);
        Value out;
        if (kvHeads == heads) {
            out = attend(g, q, g.transpose(k, 0, 1, 3, 2), v, causal, hd);
        } else {
            // Grouped queries [B,KV,H/KV,T,hd] against keys [B,KV,1,hd,T]: the matmul broadcasts each
            // key/value head over its group instead of materialising H copies.
            int group = heads / kvHeads;
            Value qGrouped = g.reshape(q, batch, kvHeads, group, seq, hd);
            Value kT = g.reshape(g.transpose(k, 0, 1, 3, 2), batch, kvHeads, 1, hd, seq);
            Value vGrouped = g.reshape(v, batch, kvHeads, 1, seq, hd);
            out = g.reshape(attend(g, qGrouped, kT, vGrouped, causal, hd), batch, heads, seq, hd);
        }
        return g.reshape(g.transpose(out, 0, 2, 1, 3), batch, seq, heads * hd);
    }

    /**
     * Whether a [batch, seq, headDim] head is attended by {@link #causalAttentionBySlices}. On ONNX Runtime (CPU)
     * the slices won at every size measured (one layer's attention forward and backward: 14.5 → 13.4 ms at the
     * small preset's [8, 256, 4, 64], 0.50 → 0.45 ms at [8, 64, 4, 16]); the CUDA backend runs the same graph as
     * one GEMM per head instead of one batched GEMM over the heads, which costs launches on small models. So the
     * sliced form is kept to heads of at least 32k elements, where the transposes it saves are large.
     */
    static boolean attendHeadBySlices(int batch, int seq, int headDim) {
        return (long) batch * seq * headDim >= 32_768;
    }

    /**
     * Causal self-attention from a fused [B, T, 3·H·hd] projection laid out q | k | v, each head h its
     * columns h·hd..(h+1)·hd: every head is sliced out as it lies ([B, T, hd]; ONNX Runtime turns the 3·H
     * slices into one Split), attends on its own, and the heads are concatenated back to [B, T, H·hd]. The
     * same arithmetic as {@link #causalAttention} after the [B, H, T, hd] transposes, without them or
     * their gradients: kᵀ and the backward's transposed operands go to FusedMatMul's transA/transB.
     */
    static Value causalAttentionBySlices(GraphBuilder g, Value qkv, int heads, Value causal) {
        int width = qkv.shape().dim(-1) / 3;
        int hd = width / heads;
        Value[] out = new Value[heads];
        for (int h = 0; h < heads; h++) {
            Value q = g.slice(qkv, 2, h * hd, (h + 1) * hd);
            Value k = g.slice(qkv, 2, width + h * hd, width + (h + 1) * hd);
            Value v = g.slice(qkv, 2, 2 * width + h * hd, 2 * width + (h + 1) * hd);
            out[h] = attend(g, q, g.transpose(k, 0, 2, 1), v, causal, hd);
        }
        return heads == 1 ? out[0] : g.concat(2, out);
    }

    private static Value attend(GraphBuilder g, Value q, Value kT, Value v, Value causal, int hd) {
        Value scores = g.mul(g.matmul(q, kT), 1.0 / Math.sqrt(hd));
        Value masked = g.add(scores, causal);
        return g.matmul(g.softmax(masked, -1), v);
    }
}
