package dev.overtune.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The scan plan stored with the results, as JSON; a plan that does not parse is kept as text rather than lost. */
record PlanInfo(JsonNode json) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static PlanInfo of(String planJson) {
        if (planJson == null) {
            return new PlanInfo(null);
        }
        try {
            return new PlanInfo(JSON.readTree(planJson));
        } catch (JsonProcessingException e) {
            return new PlanInfo(JSON.getNodeFactory().textNode(planJson));
        }
    }

    String task() {
        return text("task", "task");
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
