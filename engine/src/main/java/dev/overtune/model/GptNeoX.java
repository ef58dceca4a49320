package dev.overtune.model;

import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * GPT-NeoX (the Pythia suite) as Hugging Face's GPTNeoXForCausalLM computes it: LayerNorm blocks,
 * nn.Linear weights laid out [out, in], a fused query_key_value projection whose output interleaves
 * q, k and v per head, rotary embedding on the first rotary_pct of each head, parallel or sequential
 * residual, and a separate (untied) output head by default.
 */
public final class GptNeoX extends FamilyModel<GptNeoXConfig> {
    // Pythia checkpoints store each layer's causal mask, masked-score fill and rotary frequencies.
    private static final Pattern BUFFERS = Pattern.compile(
            "gpt_neox\\.(layers\\.\\d+\\.attention\\.(bias|masked_bias|rotary_emb\\.inv_freq)|rotary_emb\\.inv_freq)");
    private static final String EMBED = "gpt_neox.embed_in.weight";
    private static final String HEAD = "embed_out.weight";


    public GptNeoX(GptNeoXConfig config) {
        super(config, buildParams(config), BUFFERS);
    }

    @Override
    public String family() {
        return "gpt_neox";
    }

    @Override
    public boolean isTiedCopy(String tensorName) {
        return config().tieWordEmbeddings() && tensorName.equals(HEAD);
    }

    private static List<ParamSpec> buildParams(GptNeoXConfig c) {
        int d = c.hiddenSize();
        int inner = c.intermediateSize();
        double std = c.initializerRange();
        List<ParamSpec> p = new ArrayList<>();
        p.add(ParamSpec.normal(EMBED, std, c.vocabSize(), d));
        for (int i = 0; i < c.numLayers(); i++) {
            String l = "gpt_neox.layers." + i + ".";
            p.add(ParamSpec.ones(l + "input_layernorm.weight", d));
            p.add(ParamSpec.zeros(l + "input_layernorm.bias", d));
            p.add(ParamSpec.ones(l + "post_attention_layernorm.weight", d));
            p.add(ParamSpec.zeros(l + "post_attention_layernorm.bias", d));
            p.add(ParamSpec.normal(l + "attention.query_key_value.weight", std, 3 * d, d));
            p.add(ParamSpec.zeros(l + "attention.query_key_value.bias", 3 * d));
            p.add(ParamSpec.normal(l + "attention.dense.weight", std, d, d));
            p.add(ParamSpec.zeros(l + "attention.dense.bias", d));
            p.add(ParamSpec.normal(l + "mlp.dense_h_to_4h.weight", std, inner, d));
            p.add(ParamSpec.zeros(l + "mlp.dense_h_to_4h.bias", inner));
            p.add(ParamSpec.normal(l + "mlp.dense_4h_to_h.weight", std, d, inner));
            p.add(ParamSpec.zeros(l + "mlp.dense_4h_to_h.bias", d));
        }
        p.add(ParamSpec.ones("gpt_neox.final_layer_norm.weight", d));
        p.add(ParamSpec.zeros("gpt_neox.final_layer_norm.bias", d));
        if (!c.tieWordEmbeddings()) {
            p.add(ParamSpec.normal(HEAD, std, c.vocabSize(), d));
        }
        return List.copyOf(p);
    }

    @Override
    public Value logits(GraphBuilder g, Map<String, Value> w, Value ids) {
        Layers.requireIds(ids, family(), "max_position_embeddings", config().maxPositions());
        int batch = ids.shape().dim(0);
        int seq = ids.shape().dim(1);
        Value embed = w.get(EMBED);
        Value x = g.gather(embed, ids);
        Value causal = Layers.causalMask(g, seq);
        Rotary rotary = Rotary.tables(g, config().rotaryDims(), config().rotaryBase(), seq, embed.dtype());
        double eps = config().layerNormEps();
        for (int i = 0; i < config().numLayers(); i++) {
            String l = "gpt_neox.layers." + i + ".";
            try (var s = g.scope("layers." + i)) {
                Value attnIn = g.layerNorm(x, w.get(l + "input_layernorm.weight"), w.get(l + "input_layernorm.bias"), eps);
                Value a = attention(g, w, l, attnIn, causal, rotary, batch, seq);
                if (config().parallelResidual()) {
                    // x + attn(ln1(x)) + mlp(ln2(x)): both sublayers read the same x.
                    Value mlpIn = g.layerNorm(x, w.get(l + "post_attention_layernorm.weight"), w.get(l + "post_attention_layernorm.bias"), eps);
                    x = g.add(g.add(x, a), mlp(g, w, l, mlpIn));
                } else {
                    x = g.add(x, a);
                    Value mlpIn = g.layerNorm(x, w.get(l + "post_attention_layernorm.weight"), w.get(l + "post_attention_layernorm.bias"), eps);
                    x = g.add(x, mlp(g, w, l, mlpIn));
                }
            }
        }
        x = g.layerNorm(x, w.get("gpt_neox.final_layer_norm.weight"), w.get("gpt_neox.final_layer_norm.bias"), eps);
        return Layers.dense(g, x, config().tieWordEmbeddings() ? embed : w.get(HEAD), null);
    }

    private Value attention(GraphBuilder g, Map<String, Value> w, String l, Value x, Value causal, Rotary rotary, int batch, int seq) {
        int hd = config().headDim();
        Value qkv = Layers.dense(g, x, w.get(l + "attention.query_key_value.weight"), w.get(l + "attention.query_key_value.bias"));
        // The fused output is [B, T, heads, (q | k | v) of head_dim each], not [q | k | v] over all heads.
        Value perHead = g.reshape(qkv, batch, seq, config().numHeads(), 3 * hd);
        Value q = rotary.apply(g, g.transpose(g.slice(perHead, 3, 0, hd), 0, 2, 1, 3));
        Value k = rotary.apply(g, g.transpose(g.slice(perHead, 3, hd, 2 * hd), 0, 2, 1, 3));
        Value v = g.transpose(g.slice(perHead, 3, 2 * hd, 3 * hd), 0, 2, 1, 3);
        Value merged = Layers.causalAttention(g, q, k, v, causal);
        return Layers.dense(g, merged, w.get(l + "attention.dense.weight"), w.get(l + "attention.dense.bias"));
    }

    private Value mlp(GraphBuilder g, Map<String, Value> w, String l, Value x) {
        Value up = Layers.activation(g, Layers.dense(g, x, w.get(l + "mlp.dense_h_to_4h.weight"), w.get(l + "mlp.dense_h_to_4h.bias")),
                config().activation());
        return Layers.dense(g, up, w.get(l + "mlp.dense_4h_to_h.weight"), w.get(l + "mlp.dense_4h_to_h.bias"));
    }
}
