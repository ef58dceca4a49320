package dev.overtune.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The rotary-embedding settings of a {@code config.json}, read from the family's own top-level fields
 * or from the {@code rope_parameters} object newer Hugging Face versions write. Only unscaled
 * ("default") rotary embeddings are supported; any other scaling is refused by name.
 */
record RopeConfig(double theta, double partialFactor) {
    private static final double DEFAULT_THETA = 10000.0;

    /**
     * @param family the model_type, for messages
     * @param thetaField the family's top-level name for the base (rope_theta, rotary_emb_base)
     * @param partialField the family's top-level name for the rotated fraction of each head
     */
    static RopeConfig fromJson(JsonNode json, String family, String thetaField, String partialField, double defaultPartial) {
        JsonNode scaling = json.get("rope_scaling");
        if (scaling != null && !scaling.isNull() && !isDefault(scaling)) {
            throw new ModelConfigException(family + " config: rope_scaling " + scaling + " is not supported; overtune implements unscaled rotary embeddings only");
        }
        JsonNode parameters = json.get("rope_parameters");
        if (parameters == null || parameters.isNull()) {
            return new RopeConfig(ModelConfigs.optionalDouble(json, thetaField, DEFAULT_THETA),
                    ModelConfigs.optionalDouble(json, partialField, defaultPartial));
        }
        if (!parameters.isObject() || !isDefault(parameters)) {
            throw new ModelConfigException(family + " config: rope_parameters " + parameters + " is not supported; overtune implements rope_type 'default' only");
        }
        double theta = parameters.has("rope_theta") ? ModelConfigs.optionalDouble(parameters, "rope_theta", DEFAULT_THETA)
                : ModelConfigs.optionalDouble(json, thetaField, DEFAULT_THETA);
        double partial = parameters.has("partial_rotary_factor") ? ModelConfigs.optionalDouble(parameters, "partial_rotary_factor", defaultPartial)
                : ModelConfigs.optionalDouble(json, partialField, defaultPartial);
        return new RopeConfig(theta, partial);
    }

    /** Older configs name the kind "type", newer ones "rope_type"; absent means default. */
    private static boolean isDefault(JsonNode rope) {
        JsonNode type = rope.has("rope_type") ? rope.get("rope_type") : rope.get("type");
        return rope.isObject() && (type == null || type.asText().equals("default"));
    }
}
