package dev.overtune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The hyperparameters of the Llama family and of OLMo-2, which shares its weights' names and shapes
 * and differs only in where the norms sit ({@link Variant}), as Hugging Face's {@code config.json}
 * names them.
 */
public record LlamaConfig(Variant variant, int vocabSize, int maxPositions, int hiddenSize, int intermediateSize, int numLayers,
                          int numHeads, int numKvHeads, int headDim, double rmsNormEps, double ropeTheta,
                          boolean tieWordEmbeddings, double initializerRange) {
    public enum Variant {
        /** Pre-norm blocks: x + attn(norm(x)), x + mlp(norm(x)). */
        LLAMA("llama", "LlamaForCausalLM", 1e-6),
        /** Post-sublayer norms, x + norm(attn(x)) and x + norm(mlp(x)), and RMSNorm on the q and k projections. */
        OLMO2("olmo2", "Olmo2ForCausalLM", 1e-5);

        private final String modelType;
        private final String architecture;
        private final double defaultRmsNormEps;

        Variant(String modelType, String architecture, double defaultRmsNormEps) {
            this.modelType = modelType;
            this.architecture = architecture;
            this.defaultRmsNormEps = defaultRmsNormEps;
        }

        public String modelType() {
            return modelType;
        }
    }

    public LlamaConfig {
        String f = variant.modelType;
        require(f, vocabSize > 0, "vocab_size must be positive");
        require(f, maxPositions > 0, "max_position_embeddings must be positive");
        require(f, numLayers > 0, "num_hidden_layers must be positive");
        require(f, intermediateSize > 0, "intermediate_size must be positive");
        require(f, hiddenSize > 0 && numHeads > 0, "hidden_size and num_attention_heads must be positive");
        require(f, numKvHeads > 0 && numHeads % numKvHeads == 0,
                "num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        require(f, headDim > 0 && headDim % 2 == 0, "head_dim " + headDim + " must be even and positive for rotary embeddings");
        require(f, rmsNormEps > 0, "rms_norm_eps must be positive");
        require(f, ropeTheta > 0, "rope_theta must be positive");
        require(f, initializerRange > 0, "initializer_range must be positive");
    }

    private static void require(String family, boolean ok, String what) {
        if (!ok) {
            throw new ModelConfigException(family + " config: " + what);
        }
    }

    public String family() {
        return variant.modelType;
    }

    public static LlamaConfig fromJson(JsonNode json, Variant variant) {
        String f = variant.modelType;
        String act = ModelConfigs.optionalText(json, "hidden_act", "silu");
        require(f, act.equals("silu"), "hidden_act '" + act + "' is not supported; " + f + " uses silu");
        require(f, !ModelConfigs.optionalBool(json, "attention_bias", false), "attention_bias true is not supported; overtune builds bias-free attention");
        require(f, !ModelConfigs.optionalBool(json, "mlp_bias", false), "mlp_bias true is not supported; overtune builds a bias-free MLP");
        RopeConfig rope = RopeConfig.fromJson(json, f, "rope_theta", "partial_rotary_factor", 1.0);
        require(f, rope.partialFactor() == 1.0, "partial_rotary_factor " + rope.partialFactor() + " is not supported; " + f + " rotates whole heads");
        int hidden = ModelConfigs.requireInt(json, "hidden_size");
        int heads = ModelConfigs.requireInt(json, "num_attention_heads");
        require(f, heads > 0, "num_attention_heads must be positive");
        return new LlamaConfig(variant,
                ModelConfigs.requireInt(json, "vocab_size"),
                ModelConfigs.optionalInt(json, "max_position_embeddings", 2048),
                hidden,
                ModelConfigs.requireInt(json, "intermediate_size"),
                ModelConfigs.requireInt(json, "num_hidden_layers"),
                heads,
                ModelConfigs.optionalInt(json, "num_key_value_heads", heads),
                ModelConfigs.optionalInt(json, "head_dim", hidden / heads),
                ModelConfigs.optionalDouble(json, "rms_norm_eps", variant.defaultRmsNormEps),
                rope.theta(),
                ModelConfigs.optionalBool(json, "tie_word_embeddings", false),
                ModelConfigs.optionalDouble(json, "initializer_range", 0.02));
    }

    public String toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model_type", variant.modelType);
        o.putArray("architectures").add(variant.architecture);
        o.put("vocab_size", vocabSize);
        o.put("max_position_embeddings", maxPositions);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("num_key_value_heads", numKvHeads);
        o.put("head_dim", headDim);
        o.put("hidden_act", "silu");
        o.put("rms_norm_eps", rmsNormEps);
        o.put("rope_theta", ropeTheta);
        o.putNull("rope_scaling");
        o.put("attention_bias", false);
        if (variant == Variant.LLAMA) {
            o.put("mlp_bias", false);
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("initializer_range", initializerRange);
        return o.toPrettyString();
    }
}
