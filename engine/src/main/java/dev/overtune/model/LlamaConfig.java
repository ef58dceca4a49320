package dev.overtune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The hyperparameters of the Llama family and of the families that share its weights' names and
 * shapes ({@link Variant}: Mistral, Qwen2, OLMo-1, OLMo-2), as Hugging Face's {@code config.json}
 * names them.
 *
 * @param clipQkv OLMo-1's clamp of the q, k and v projections to [-clipQkv, clipQkv]; 0 for none
 * @param slidingWindow Mistral's attention window (a query sees itself and the slidingWindow - 1 keys
 *                      before it); 0 for none
 */
public record LlamaConfig(Variant variant, int vocabSize, int maxPositions, int hiddenSize, int intermediateSize, int numLayers,
                          int numHeads, int numKvHeads, int headDim, double rmsNormEps, double ropeTheta,
                          boolean tieWordEmbeddings, double initializerRange, double clipQkv, int slidingWindow) implements FamilyConfig {
    public enum Variant {
        /** Pre-norm blocks: x + attn(norm(x)), x + mlp(norm(x)). */
        LLAMA("llama", "LlamaForCausalLM", 1e-6),
        /** Llama's blocks with an optional sliding attention window. */
        MISTRAL("mistral", "MistralForCausalLM", 1e-6),
        /** Llama's blocks with biases on the q, k and v projections. */
        QWEN2("qwen2", "Qwen2ForCausalLM", 1e-6),
        /** OLMo-1: Llama's blocks with LayerNorm without weight or bias (eps 1e-5) for every norm, optionally clamped q, k, v. */
        OLMO("olmo", "OlmoForCausalLM", 1e-5),
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

    /** The Llama and OLMo-2 constructor of before: no clamp, no window. */
    public LlamaConfig(Variant variant, int vocabSize, int maxPositions, int hiddenSize, int intermediateSize, int numLayers,
                       int numHeads, int numKvHeads, int headDim, double rmsNormEps, double ropeTheta,
                       boolean tieWordEmbeddings, double initializerRange) {
        this(variant, vocabSize, maxPositions, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, rmsNormEps,
                ropeTheta, tieWordEmbeddings, initializerRange, 0, 0);
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
        require(f, clipQkv >= 0, "clip_qkv must be positive or null");
        require(f, clipQkv == 0 || variant == Variant.OLMO, "clip_qkv is OLMo-1's; " + f + " has none");
        require(f, slidingWindow >= 0, "sliding_window must be positive or null");
        require(f, slidingWindow == 0 || variant == Variant.MISTRAL, "sliding_window is Mistral's here; " + f + " has none");
    }

    /** Biases on the q, k and v projections (Qwen2). */
    public boolean qkvBias() {
        return variant == Variant.QWEN2;
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
        if (variant != Variant.QWEN2) { // Qwen2's q, k, v biases are not a config option: they are always there
            require(f, !ModelConfigs.optionalBool(json, "attention_bias", false), "attention_bias true is not supported; overtune builds bias-free attention");
        }
        require(f, !ModelConfigs.optionalBool(json, "mlp_bias", false), "mlp_bias true is not supported; overtune builds a bias-free MLP");
        RopeConfig rope = RopeConfig.fromJson(json, f, "rope_theta", "partial_rotary_factor", 1.0);
        require(f, rope.partialFactor() == 1.0, "partial_rotary_factor " + rope.partialFactor() + " is not supported; " + f + " rotates whole heads");
        int hidden = ModelConfigs.requireInt(json, "hidden_size");
        int heads = ModelConfigs.requireInt(json, "num_attention_heads");
        require(f, heads > 0, "num_attention_heads must be positive");
        double clip = 0;
        int window = 0;
        switch (variant) {
            case OLMO -> {
                clip = ModelConfigs.optionalDouble(json, "clip_qkv", 0);
                require(f, clip >= 0, "clip_qkv " + clip + " must be positive or null");
            }
            case MISTRAL -> window = ModelConfigs.optionalInt(json, "sliding_window", 0);
            case QWEN2 -> require(f, !ModelConfigs.optionalBool(json, "use_sliding_window", false),
                    "use_sliding_window true is not supported (Qwen2's per-layer windows); overtune builds full causal attention");
            default -> { }
        }
        return new LlamaConfig(variant,
                ModelConfigs.requireInt(json, "vocab_size"),
                ModelConfigs.optionalInt(json, "max_position_embeddings", 2048),
                hidden,
                ModelConfigs.requireInt(json, "intermediate_size"),
                ModelConfigs.requireInt(json, "num_hidden_layers"),
                heads,
                ModelConfigs.optionalInt(json, "num_key_value_heads", heads),
                ModelConfigs.optionalInt(json, "head_dim", hidden / heads),
                // OLMo-1's LayerNorm has its epsilon fixed in the code, not in the config.
                variant == Variant.OLMO ? variant.defaultRmsNormEps : ModelConfigs.optionalDouble(json, "rms_norm_eps", variant.defaultRmsNormEps),
                rope.theta(),
                ModelConfigs.optionalBool(json, "tie_word_embeddings", false),
                ModelConfigs.optionalDouble(json, "initializer_range", 0.02),
                clip, window);
    }

    @Override
    public int contextLength() {
        return maxPositions;
    }

    @Override
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
        if (variant != Variant.OLMO) {
            o.put("rms_norm_eps", rmsNormEps);
        }
        o.put("rope_theta", ropeTheta);
        o.putNull("rope_scaling");
        if (variant != Variant.QWEN2) {
            o.put("attention_bias", false);
        }
        if (variant == Variant.LLAMA || variant == Variant.MISTRAL) {
            o.put("mlp_bias", false);
        }
        switch (variant) {
            case OLMO -> {
                if (clipQkv > 0) {
                    o.put("clip_qkv", clipQkv);
                } else {
                    o.putNull("clip_qkv");
                }
            }
            case MISTRAL -> {
                if (slidingWindow > 0) {
                    o.put("sliding_window", slidingWindow);
                } else {
                    o.putNull("sliding_window");
                }
            }
            case QWEN2 -> o.put("use_sliding_window", false);
            default -> { }
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("initializer_range", initializerRange);
        return o.toPrettyString();
    }
}
