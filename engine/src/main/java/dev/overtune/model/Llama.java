package dev.overtune.model;

import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Llama, Mistral, Qwen2, OLMo-1 and OLMo-2 as Hugging Face's LlamaForCausalLM, MistralForCausalLM,
 * Qwen2ForCausalLM, OlmoForCausalLM and Olmo2ForCausalLM compute them: RMSNorm, bias-free nn.Linear
 * weights laid out [out, in], grouped-query attention with rotary embedding on whole heads, a SwiGLU
 * MLP, and an output head tied to the embedding or not. Mistral may limit attention to a sliding
 * window; Qwen2 adds biases to the q, k and v projections; OLMo-1 normalises with a LayerNorm that has
 * no weight or bias (so its checkpoints hold no norm tensors) and may clamp q, k and v; OLMo-2 moves
 * the norms after each sublayer and normalises the full q and k projections before rotary.
 */
public final class Llama extends FamilyModel<LlamaConfig> {
    // Older exports persist the rotary frequencies, per layer or once per model.
    private static final Pattern BUFFERS = Pattern.compile("model\\.(layers\\.\\d+\\.self_attn\\.)?rotary_emb\\.inv_freq");
    private static final String EMBED = "model.embed_tokens.weight";
    private static final String HEAD = "lm_head.weight";

    private final boolean olmo2;
    private final boolean olmo;

    public Llama(LlamaConfig config) {
        super(config, buildParams(config), BUFFERS);
        this.olmo2 = config().variant() == LlamaConfig.Variant.OLMO2;
        this.olmo = config().variant() == LlamaConfig.Variant.OLMO;
    }

    @Override
    public String family() {
        return config().family();
    }

    @Override
    public boolean isTiedCopy(String tensorName) {
        return config().tieWordEmbeddings() && tensorName.equals(HEAD);
    }

    private static List<ParamSpec> buildParams(LlamaConfig c) {
        boolean olmo2 = c.variant() == LlamaConfig.Variant.OLMO2;
        boolean normWeights = c.variant() != LlamaConfig.Variant.OLMO;
        int d = c.hiddenSize();
        int qWidth = c.numHeads() * c.headDim();
        int kvWidth = c.numKvHeads() * c.headDim();
        int inner = c.intermediateSize();
        double std = c.initializerRange();
        List<ParamSpec> p = new ArrayList<>();
        p.add(ParamSpec.normal(EMBED, std, c.vocabSize(), d));
        for (int i = 0; i < c.numLayers(); i++) {
            String l = "model.layers." + i + ".";
            p.add(ParamSpec.normal(l + "self_attn.q_proj.weight", std, qWidth, d));
            p.add(ParamSpec.normal(l + "self_attn.k_proj.weight", std, kvWidth, d));
            p.add(ParamSpec.normal(l + "self_attn.v_proj.weight", std, kvWidth, d));
            if (c.qkvBias()) {
                p.add(ParamSpec.zeros(l + "self_attn.q_proj.bias", qWidth));
                p.add(ParamSpec.zeros(l + "self_attn.k_proj.bias", kvWidth));
                p.add(ParamSpec.zeros(l + "self_attn.v_proj.bias", kvWidth));
            }
            p.add(ParamSpec.normal(l + "self_attn.o_proj.weight", std, d, qWidth));
            if (olmo2) {
                p.add(ParamSpec.ones(l + "self_attn.q_norm.weight", qWidth));
                p.add(ParamSpec.ones(l + "self_attn.k_norm.weight", kvWidth));
            }
            p.add(ParamSpec.normal(l + "mlp.gate_proj.weight", std, inner, d));
            p.add(ParamSpec.normal(l + "mlp.up_proj.weight", std, inner, d));
            p.add(ParamSpec.normal(l + "mlp.down_proj.weight", std, d, inner));
            if (olmo2) {
                p.add(ParamSpec.ones(l + "post_attention_layernorm.weight", d));
                p.add(ParamSpec.ones(l + "post_feedforward_layernorm.weight", d));
            } else if (normWeights) {
                p.add(ParamSpec.ones(l + "input_layernorm.weight", d));
                p.add(ParamSpec.ones(l + "post_attention_layernorm.weight", d));
            }
        }
        if (normWeights) {
            p.add(ParamSpec.ones("model.norm.weight", d));
        }
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
        Value causal = config().slidingWindow() > 0 && config().slidingWindow() < seq
                ? Layers.slidingWindowMask(g, seq, config().slidingWindow())
                : Layers.causalMask(g, seq);
        Rotary rotary = Rotary.tables(g, config().headDim(), config().ropeTheta(), seq, embed.dtype());
        double eps = config().rmsNormEps();
        for (int i = 0; i < config().numLayers(); i++) {
            String l = "model.layers." + i + ".";
            try (var s = g.scope("layers." + i)) {
                if (olmo2) {
                    x = g.add(x, Layers.rmsNorm(g, attention(g, w, l, x, causal, rotary, batch, seq), w.get(l + "post_attention_layernorm.weight"), eps));
                    x = g.add(x, Layers.rmsNorm(g, mlp(g, w, l, x), w.get(l + "post_feedforward_layernorm.weight"), eps));
                } else {
                    x = g.add(x, attention(g, w, l, norm(g, w, x, l + "input_layernorm.weight"), causal, rotary, batch, seq));
                    x = g.add(x, mlp(g, w, l, norm(g, w, x, l + "post_attention_layernorm.weight")));
                }
            }
        }
        x = norm(g, w, x, "model.norm.weight");
        return Layers.dense(g, x, config().tieWordEmbeddings() ? embed : w.get(HEAD), null);
    }

    /** RMSNorm with the named weight; OLMo-1's LayerNorm without weight or bias. */
    private Value norm(GraphBuilder g, Map<String, Value> w, Value x, String weight) {
        return olmo ? Layers.plainLayerNorm(g, x, config().rmsNormEps()) : Layers.rmsNorm(g, x, w.get(weight), config().rmsNormEps());
    }

    private Value attention(GraphBuilder g, Map<String, Value> w, String l, Value x, Value causal, Rotary rotary, int batch, int seq) {
        Value q = Layers.dense(g, x, w.get(l + "self_attn.q_proj.weight"), w.get(l + "self_attn.q_proj.bias"));
        Value k = Layers.dense(g, x, w.get(l + "self_attn.k_proj.weight"), w.get(l + "self_attn.k_proj.bias"));
        Value v = Layers.dense(g, x, w.get(l + "self_attn.v_proj.weight"), w.get(l + "self_attn.v_proj.bias"));
        if (config().clipQkv() > 0) {
            q = Layers.clamp(g, q, config().clipQkv());
            k = Layers.clamp(g, k, config().clipQkv());
            v = Layers.clamp(g, v, config().clipQkv());
        }
        if (olmo2) {
            double eps = config().rmsNormEps();
            q = Layers.rmsNorm(g, q, w.get(l + "self_attn.q_norm.weight"), eps);
            k = Layers.rmsNorm(g, k, w.get(l + "self_attn.k_norm.weight"), eps);
        }
        q = rotary.apply(g, heads(g, q, batch, seq, config().numHeads()));
        k = rotary.apply(g, heads(g, k, batch, seq, config().numKvHeads()));
        v = heads(g, v, batch, seq, config().numKvHeads());
        return Layers.dense(g, Layers.causalAttention(g, q, k, v, causal), w.get(l + "self_attn.o_proj.weight"), null);
    }

    /** [B,T,n*hd] to [B,n,T,hd]. */
    private Value heads(GraphBuilder g, Value x, int batch, int seq, int n) {
        return g.transpose(g.reshape(x, batch, seq, n, config().headDim()), 0, 2, 1, 3);
    }

    /** SwiGLU: down(silu(gate(x)) * up(x)). */
    private Value mlp(GraphBuilder g, Map<String, Value> w, String l, Value x) {
        Value gate = Layers.activation(g, Layers.dense(g, x, w.get(l + "mlp.gate_proj.weight"), null), "silu");
        Value up = Layers.dense(g, x, w.get(l + "mlp.up_proj.weight"), null);
        return Layers.dense(g, g.mul(gate, up), w.get(l + "mlp.down_proj.weight"), null);
    }
}
