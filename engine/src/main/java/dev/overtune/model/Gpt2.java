package dev.overtune.model;

import dev.overtune.graph.Constant;
import dev.overtune.graph.DType;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Shape;
import dev.overtune.graph.Value;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * GPT-2 as Hugging Face's GPT2LMHeadModel computes it: learned positions, pre-LayerNorm blocks,
 * Conv1D weights laid out [in, out], GELU, and an output head tied to the token embedding.
 */
public final class Gpt2 implements LanguageModel {
    private static final Pattern BUFFERS = Pattern.compile("(transformer\\.)?h\\.\\d+\\.attn\\.(bias|masked_bias)");

    private final Gpt2Config config;
    private final List<ParamSpec> params;

    public Gpt2(Gpt2Config config) {
        this.config = config;
        this.params = buildParams(config);
    }

    public Gpt2Config config() {
        return config;
    }

    @Override
    public String family() {
        return "gpt2";
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int contextLength() {
        return config.nPositions();
    }

    @Override
    public List<ParamSpec> params() {
        return params;
    }

    @Override
    public boolean isBuffer(String tensorName) {
        return BUFFERS.matcher(tensorName).matches();
    }

    /** GPT-2's Conv1D weights are stored [in, out]; its embeddings [vocab or positions, dim]. */
    @Override
    public int outputAxis(ParamSpec matrix) {
        return matrix.name().endsWith(".wte.weight") || matrix.name().endsWith(".wpe.weight") ? 0 : 1;
    }

    @Override
    public String configJson() {
        return config.toJson();
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
        int batch = ids.shape().dim(0);
        int seq = ids.shape().dim(1);
        if (ids.shape().rank() != 2 || seq > config.nPositions()) {
            throw new ModelConfigException("gpt2 takes ids [batch, seq] with seq <= n_positions " + config.nPositions() + ", got " + ids.shape());
        }
        Value wte = w.get("transformer.wte.weight");
        DType dt = wte.dtype();
        Value x = g.add(g.gather(wte, ids), g.slice(w.get("transformer.wpe.weight"), 0, 0, seq));
        Value causal = causalMask(g, seq);
        for (int i = 0; i < config.nLayer(); i++) {
            String h = "transformer.h." + i + ".";
            try (var s = g.scope("h." + i)) {
                Value a = g.layerNorm(x, w.get(h + "ln_1.weight"), w.get(h + "ln_1.bias"), config.layerNormEpsilon());
                x = g.add(x, attention(g, w, h, a, causal, batch, seq));
                Value m = g.layerNorm(x, w.get(h + "ln_2.weight"), w.get(h + "ln_2.bias"), config.layerNormEpsilon());
                Value up = gelu(g, linear(g, m, w.get(h + "mlp.c_fc.weight"), w.get(h + "mlp.c_fc.bias")));
                x = g.add(x, linear(g, up, w.get(h + "mlp.c_proj.weight"), w.get(h + "mlp.c_proj.bias")));
            } catch (Exception e) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
        }
        x = g.layerNorm(x, w.get("transformer.ln_f.weight"), w.get("transformer.ln_f.bias"), config.layerNormEpsilon());
        return g.matmul(x, g.transpose(wte, 1, 0));
    }

    private Value attention(GraphBuilder g, Map<String, Value> w, String h, Value x, Value causal, int batch, int seq) {
        int d = config.nEmbd();
        int heads = config.nHead();
        int hd = config.headDim();
        Value qkv = linear(g, x, w.get(h + "attn.c_attn.weight"), w.get(h + "attn.c_attn.bias"));
        Value q = g.transpose(g.reshape(g.slice(qkv, 2, 0, d), batch, seq, heads, hd), 0, 2, 1, 3);
        Value kT = g.transpose(g.reshape(g.slice(qkv, 2, d, 2 * d), batch, seq, heads, hd), 0, 2, 3, 1);
        Value v = g.transpose(g.reshape(g.slice(qkv, 2, 2 * d, 3 * d), batch, seq, heads, hd), 0, 2, 1, 3);
        Value scores = g.mul(g.matmul(q, kT), 1.0 / Math.sqrt(hd));
        Value masked = g.where(causal, scores, g.scalar(-1e9, scores.dtype()));
        Value out = g.matmul(g.softmax(masked, -1), v);
        Value merged = g.reshape(g.transpose(out, 0, 2, 1, 3), batch, seq, d);
        return linear(g, merged, w.get(h + "attn.c_proj.weight"), w.get(h + "attn.c_proj.bias"));
    }

    private static Value linear(GraphBuilder g, Value x, Value weight, Value bias) {
        return g.add(g.matmul(x, weight), bias);
    }

    private Value gelu(GraphBuilder g, Value x) {
        if (config.activation().equals("gelu")) {
            // 0.5 x (1 + erf(x / sqrt 2))
            return g.mul(g.mul(x, 0.5), g.add(g.erf(g.mul(x, 1.0 / Math.sqrt(2.0))), 1.0));
        }
        // gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        Value cube = g.mul(g.mul(x, x), x);
        Value inner = g.mul(g.add(x, g.mul(cube, 0.044715)), Math.sqrt(2.0 / Math.PI));
        return g.mul(g.mul(x, 0.5), g.add(g.tanh(inner), 1.0));
    }

    private static Value causalMask(GraphBuilder g, int seq) {
        boolean[] allowed = new boolean[seq * seq];
        for (int i = 0; i < seq; i++) {
            for (int j = 0; j <= i; j++) {
                allowed[i * seq + j] = true;
            }
        }
        return g.constant("causal_mask", DType.BOOL, Shape.of(seq, seq), new Constant.Bools(allowed));
    }
}
