package dev.overtune.model;

import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * GPT-2 as Hugging Face's GPT2LMHeadModel computes it: learned positions, pre-LayerNorm blocks,
 * Conv1D weights laid out [in, out], GELU, and an output head tied to the token embedding.
 */
public final class Gpt2 extends FamilyModel<Gpt2Config> {
    private static final Pattern BUFFERS = Pattern.compile("(transformer\\.)?h\\.\\d+\\.attn\\.(bias|masked_bias)");


    public Gpt2(Gpt2Config config) {
        super(config, buildParams(config), BUFFERS);
    }

    @Override
    public String family() {
        return "gpt2";
    }

    /** GPT-2's Conv1D weights are stored [in, out]; its embeddings [vocab or positions, dim]. */
    @Override
    public int outputAxis(ParamSpec matrix) {
        return matrix.name().endsWith(".wte.weight") || matrix.name().endsWith(".wpe.weight") ? 0 : 1;
    }

    /** The output head is always tied to wte; some exports still store it. */
    @Override
    public boolean isTiedCopy(String tensorName) {
        return tensorName.equals("lm_head.weight");
    }

    /** Files saved from GPT2Model rather than GPT2LMHeadModel omit the "transformer." prefix. */
    @Override
    public String parameterName(String tensorName) {
        return tensorName.startsWith("transformer.") || tensorName.startsWith("lm_head.") ? tensorName : "transformer." + tensorName;
    }

    private static List<ParamSpec> buildParams(Gpt2Config c) {
        int d = c.nEmbd();
        double std = 0.02;
        // GPT-2 scales the residual projections' init by 1/sqrt(2 * n_layer).
        double projStd = 0.02 / Math.sqrt(2.0 * c.nLayer());
        List<ParamSpec> p = new ArrayList<>();
        p.add(ParamSpec.normal("transformer.wte.weight", std, c.vocabSize(), d));
        p.add(ParamSpec.normal("transformer.wpe.weight", std, c.nPositions(), d));
        for (int i = 0; i < c.nLayer(); i++) {
            String h = "transformer.h." + i + ".";
            p.add(ParamSpec.ones(h + "ln_1.weight", d));
            p.add(ParamSpec.zeros(h + "ln_1.bias", d));
            p.add(ParamSpec.normal(h + "attn.c_attn.weight", std, d, 3 * d));
            p.add(ParamSpec.zeros(h + "attn.c_attn.bias", 3 * d));
            p.add(ParamSpec.normal(h + "attn.c_proj.weight", projStd, d, d));
            p.add(ParamSpec.zeros(h + "attn.c_proj.bias", d));
            p.add(ParamSpec.ones(h + "ln_2.weight", d));
            p.add(ParamSpec.zeros(h + "ln_2.bias", d));
            p.add(ParamSpec.normal(h + "mlp.c_fc.weight", std, d, 4 * d));
            p.add(ParamSpec.zeros(h + "mlp.c_fc.bias", 4 * d));
            p.add(ParamSpec.normal(h + "mlp.c_proj.weight", projStd, 4 * d, d));
            p.add(ParamSpec.zeros(h + "mlp.c_proj.bias", d));
        }
        p.add(ParamSpec.ones("transformer.ln_f.weight", d));
        p.add(ParamSpec.zeros("transformer.ln_f.bias", d));
        return List.copyOf(p);
    }

    @Override
    public Value logits(GraphBuilder g, Map<String, Value> w, Value ids) {
        Layers.requireIds(ids, family(), "n_positions", config().nPositions());
        int batch = ids.shape().dim(0);
        int seq = ids.shape().dim(1);
        Value wte = w.get("transformer.wte.weight");
        Value x = g.add(g.gather(wte, ids), g.slice(w.get("transformer.wpe.weight"), 0, 0, seq));
        Value causal = Layers.causalMask(g, seq);
        for (int i = 0; i < config().nLayer(); i++) {
            String h = "transformer.h." + i + ".";
            try (var s = g.scope("h." + i)) {
                Value a = g.layerNorm(x, w.get(h + "ln_1.weight"), w.get(h + "ln_1.bias"), config().layerNormEpsilon());
                x = g.add(x, attention(g, w, h, a, causal, batch, seq));
                Value m = g.layerNorm(x, w.get(h + "ln_2.weight"), w.get(h + "ln_2.bias"), config().layerNormEpsilon());
                Value up = Layers.activation(g, linear(g, m, w.get(h + "mlp.c_fc.weight"), w.get(h + "mlp.c_fc.bias")), config().activation());
                x = g.add(x, linear(g, up, w.get(h + "mlp.c_proj.weight"), w.get(h + "mlp.c_proj.bias")));
            }
        }
        x = g.layerNorm(x, w.get("transformer.ln_f.weight"), w.get("transformer.ln_f.bias"), config().layerNormEpsilon());
        return g.matmul(x, g.transpose(wte, 1, 0));
    }

    private Value attention(GraphBuilder g, Map<String, Value> w, String h, Value x, Value causal, int batch, int seq) {
        int d = config().nEmbd();
        Value qkv = linear(g, x, w.get(h + "attn.c_attn.weight"), w.get(h + "attn.c_attn.bias"));
        if (Layers.attendHeadBySlices(batch, seq, config().headDim())) {
            return linear(g, Layers.causalAttentionBySlices(g, qkv, config().nHead(), causal), w.get(h + "attn.c_proj.weight"), w.get(h + "attn.c_proj.bias"));
        }
        Value q = heads(g, g.slice(qkv, 2, 0, d), batch, seq);
        Value k = heads(g, g.slice(qkv, 2, d, 2 * d), batch, seq);
        Value v = heads(g, g.slice(qkv, 2, 2 * d, 3 * d), batch, seq);
        Value merged = Layers.causalAttention(g, q, k, v, causal);
        return linear(g, merged, w.get(h + "attn.c_proj.weight"), w.get(h + "attn.c_proj.bias"));
    }

    /** [B,T,d] to [B,H,T,hd]. */
    private Value heads(GraphBuilder g, Value x, int batch, int seq) {
        return g.transpose(g.reshape(x, batch, seq, config().nHead(), config().headDim()), 0, 2, 1, 3);
    }

    /** GPT-2's Conv1D: weight laid out [in, out]. */
    private static Value linear(GraphBuilder g, Value x, Value weight, Value bias) {
        return g.add(g.matmul(x, weight), bias);
    }
}
