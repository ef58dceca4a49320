package dev.overtune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The two-layer linear network's hyperparameters ({@code model_type} "linear"), in a config.json of
 * overtune's own: there is no Hugging Face class for it.
 *
 * @param nPositions the longest window it is run on; the network itself looks at one token at a time
 * @param initStd    the std of both layers' Gaussian init: small, so that training learns the target's
 *                   singular directions one at a time (Saxe et al. 2014)
 */
public record LinearConfig(int vocabSize, int hiddenSize, int nPositions, double initStd) implements FamilyConfig {
    public LinearConfig {
        require(vocabSize > 0, "vocab_size must be positive, got " + vocabSize);
        require(hiddenSize > 0, "hidden_size must be positive, got " + hiddenSize);
        require(nPositions > 0, "n_positions must be positive, got " + nPositions);
        require(initStd > 0 && Double.isFinite(initStd), "init_std must be a positive number, got " + initStd);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new ModelConfigException("linear config: " + what);
        }
    }

    public static LinearConfig fromJson(JsonNode json) {
        return new LinearConfig(
                ModelConfigs.requireInt(json, "vocab_size"),
                ModelConfigs.requireInt(json, "hidden_size"),
                ModelConfigs.optionalInt(json, "n_positions", 64),
                ModelConfigs.optionalDouble(json, "init_std", 1e-3));
    }

    @Override
    public int contextLength() {
        return nPositions;
    }

    @Override
    public String toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model_type", "linear");
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("n_positions", nPositions);
        o.put("init_std", initStd);
        return o.toPrettyString();
    }
}
