package dev.overtune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The GPT-NeoX (Pythia) family's hyperparameters, as Hugging Face's {@code config.json} names them. */
public record GptNeoXConfig(int vocabSize, int maxPositions, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
                            double rotaryPct, double rotaryBase, boolean parallelResidual, String activation,
                            double layerNormEps, boolean tieWordEmbeddings, double initializerRange) implements FamilyConfig {
    public GptNeoXConfig {
        require(vocabSize > 0, "vocab_size must be positive");
        require(maxPositions > 0, "max_position_embeddings must be positive");
        require(numLayers > 0, "num_hidden_layers must be positive");
        require(intermediateSize > 0, "intermediate_size must be positive");
        require(numHeads > 0 && hiddenSize > 0 && hiddenSize % numHeads == 0,
                "hidden_size (" + hiddenSize + ") must be a positive multiple of num_attention_heads (" + numHeads + ")");
        require(activation.equals("gelu") || activation.equals("gelu_new"),
                "hidden_act '" + activation + "' is not supported; use gelu or gelu_new");
        require(rotaryPct > 0 && rotaryPct <= 1, "rotary_pct " + rotaryPct + " must be in (0, 1]");
        int rotary = (int) (hiddenSize / numHeads * rotaryPct);
        require(rotary > 0 && rotary % 2 == 0, "rotary_pct " + rotaryPct + " of head size " + hiddenSize / numHeads
                + " gives " + rotary + " rotary dims; they must be even and positive");
        require(rotaryBase > 0, "rotary_emb_base must be positive");
        require(layerNormEps > 0, "layer_norm_eps must be positive");
        require(initializerRange > 0, "initializer_range must be positive");
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new ModelConfigException("gpt_neox config: " + what);
        }
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Hugging Face truncates: int(head_size * rotary_pct). */
    public int rotaryDims() {
        return (int) (headDim() * rotaryPct);
    }

    public static GptNeoXConfig fromJson(JsonNode json) {
        require(ModelConfigs.optionalBool(json, "attention_bias", true),
                "attention_bias false is not supported; overtune builds Pythia's attention, which has biases");
        RopeConfig rope = RopeConfig.fromJson(json, "gpt_neox", "rotary_emb_base", "rotary_pct", 0.25);
        return new GptNeoXConfig(
                ModelConfigs.requireInt(json, "vocab_size"),
                ModelConfigs.optionalInt(json, "max_position_embeddings", 2048),
                ModelConfigs.requireInt(json, "hidden_size"),
                ModelConfigs.requireInt(json, "num_hidden_layers"),
                ModelConfigs.requireInt(json, "num_attention_heads"),
                ModelConfigs.requireInt(json, "intermediate_size"),
                rope.partialFactor(),
                rope.theta(),
                ModelConfigs.optionalBool(json, "use_parallel_residual", true),
                ModelConfigs.optionalText(json, "hidden_act", "gelu"),
                ModelConfigs.optionalDouble(json, "layer_norm_eps", 1e-5),
                ModelConfigs.optionalBool(json, "tie_word_embeddings", false),
                ModelConfigs.optionalDouble(json, "initializer_range", 0.02));
    }

    @Override
    public int contextLength() {
        return maxPositions;
    }

    @Override
    public String toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model_type", "gpt_neox");
        o.putArray("architectures").add("GPTNeoXForCausalLM");
        o.put("vocab_size", vocabSize);
        o.put("max_position_embeddings", maxPositions);
        o.put("hidden_size", hiddenSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("intermediate_size", intermediateSize);
        o.put("rotary_pct", rotaryPct);
        o.put("rotary_emb_base", rotaryBase);
        o.put("use_parallel_residual", parallelResidual);
        o.put("hidden_act", activation);
        o.put("layer_norm_eps", layerNormEps);
        o.put("attention_bias", true);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("initializer_range", initializerRange);
        return o.toPrettyString();
    }
}
