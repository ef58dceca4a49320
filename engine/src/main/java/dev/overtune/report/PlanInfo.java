package dev.overtune.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.overtune.probe.Quantization;
import dev.overtune.scan.Scan;

import java.util.Locale;

/** The scan plan stored with the results, as JSON; a plan that does not parse is kept as text rather than lost. */
record PlanInfo(JsonNode json) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static PlanInfo of(String planJson) {
        if (planJson == null) {
            return new PlanInfo(null);
        }
        try {
            return new PlanInfo(snakeCase(JSON.readTree(planJson)));
        } catch (JsonProcessingException e) {
            return new PlanInfo(JSON.getNodeFactory().textNode(planJson));
        }
    }

    /**
     * Plans stored before schema version 2 had the settings records' Java names (learningRates, "scale": "INIT",
     * quantisation formats as {bits, groupSize}); results.json shows every plan as version 2 writes it, so a reader
     * needs one set of names.
     */
    static JsonNode snakeCase(JsonNode plan) {
        if (plan == null || !plan.isObject() || plan.has("schema_version")) {
            return plan;
        }
        JsonNode renamed = renameKeys(plan);
        JsonNode noise = renamed.path("settings").path("noise");
        if (noise.isObject() && noise.path("scale").isTextual()) {
            ((ObjectNode) noise).put("scale", noise.get("scale").asText().toLowerCase(Locale.ROOT));
        }
        JsonNode eval = renamed.path("settings").path("eval");
        if (eval.isObject() && eval.path("max_batches").isNumber()) {
            ((ObjectNode) eval).put("all", eval.get("max_batches").asInt() == 0);
        }
        JsonNode formats = renamed.path("settings").path("quant").path("formats");
        if (formats.isArray()) {
            ArrayNode labels = JSON.createArrayNode();
            formats.forEach(f -> labels.add(f.isObject() ? new Quantization(f.path("bits").asInt(), f.path("group_size").asInt()).label() : f.asText()));
            ((ObjectNode) renamed.get("settings").get("quant")).set("formats", labels);
        }
        ObjectNode out = JSON.createObjectNode().put("schema_version", Scan.PLAN_SCHEMA_VERSION).put("converted_from_schema_version", 1);
        out.setAll((ObjectNode) renamed);
        return out;
    }

    private static JsonNode renameKeys(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            node.properties().forEach(e -> out.set(snake(e.getKey()), renameKeys(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            node.forEach(v -> out.add(renameKeys(v)));
            return out;
        }
        return node;
    }

    /** learningRates → learning_rates, groupSize → group_size; snake_case names are left as they are. */
    static String snake(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    String task() {
        return text("task", "task");
    }

    /** The model's parameter count as the scan recorded it; 0 for plans from before it did. */
    long parameters() {
        return json != null ? json.path("parameters").asLong(0) : 0;
    }

    String hash() {
        return text("plan_hash", "unknown");
    }

    String pretty() {
        if (json == null) {
            return "(no plan stored)";
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String text(String key, String fallback) {
        return json != null && json.hasNonNull(key) ? json.get(key).asText() : fallback;
    }
}
