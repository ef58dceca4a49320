package dev.overtune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The GPT-2 family's hyperparameters, as Hugging Face's {@code config.json} names them. */
public record Gpt2Config(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead, double layerNormEpsilon,
                         String activation) implements FamilyConfig {
    public Gpt2Config {
        require(vocabSize > 0, "vocab_size must be positive");
        require(nPositions > 0, "n_positions must be positive");
        require(nLayer > 0, "n_layer must be positive");
        require(nHead > 0 && nEmbd > 0 && nEmbd % nHead == 0, "n_embd (" + nEmbd + ") must be a positive multiple of n_head (" + nHead + ")");
        require(activation.equals("gelu_new") || activation.equals("gelu"),
                "activation_function '" + activation + "' is not supported; use gelu_new or gelu");
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new ModelConfigException("gpt2 config: " + what);
        }
    }

    public int headDim() {
        return nEmbd / nHead;
    }

    public static Gpt2Config fromJson(JsonNode json) {
        if (json.hasNonNull("n_inner") && ModelConfigs.optionalInt(json, "n_inner", 0) != 4 * ModelConfigs.requireInt(json, "n_embd")) {
            throw new ModelConfigException("gpt2 config: n_inner other than 4*n_embd is not supported");
        }
        if (json.has("tie_word_embeddings") && !json.get("tie_word_embeddings").asBoolean(true)) {
            throw new ModelConfigException("gpt2 config: untied word embeddings are not supported for gpt2");
        }
        return new Gpt2Config(
                ModelConfigs.requireInt(json, "vocab_size"),
                ModelConfigs.requireInt(json, "n_positions"),
                ModelConfigs.requireInt(json, "n_embd"),
                ModelConfigs.requireInt(json, "n_layer"),
                ModelConfigs.requireInt(json, "n_head"),
                json.path("layer_norm_epsilon").asDouble(1e-5),
                json.path("activation_function").asText("gelu_new"));
    }

    @Override
    public int contextLength() {
        return nPositions;
    }

    @Override
    public String toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model_type", "gpt2");
        o.putArray("architectures").add("GPT2LMHeadModel");
        o.put("vocab_size", vocabSize);
        o.put("n_positions", nPositions);
        o.put("n_embd", nEmbd);
        o.put("n_layer", nLayer);
        o.put("n_head", nHead);
        o.put("layer_norm_epsilon", layerNormEpsilon);
        o.put("activation_function", activation);
        o.put("tie_word_embeddings", true);
        return o.toPrettyString();
    }
}
