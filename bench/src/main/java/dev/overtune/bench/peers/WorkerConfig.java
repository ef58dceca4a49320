package dev.overtune.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a worker says it runs, in its hello line: the model (preset name, Hugging Face config.json
 * and parameter count), the batch shape and the thread count, plus versions and how the probes are implemented, which are
 * reported but never compared. A scan worker ({@code --job scan}) also reports its protocol (members, steps, windows, ...):
 * compared key by key like the config; an empty object for the per-step workers.
 */
public record WorkerConfig(String side, String model, String modelType, JsonNode config, long params,
                           int batch, int seq, int threads, Map<String, String> versions, String probes, JsonNode protocol) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static WorkerConfig fromJson(JsonNode json) {
        Map<String, String> versions = new LinkedHashMap<>();
        json.path("versions").properties().forEach(e -> versions.put(e.getKey(), e.getValue().asText()));
        return new WorkerConfig(text(json, "side"), text(json, "model"), text(json, "model_type"),
                json.path("config"), number(json, "params"), (int) number(json, "batch"), (int) number(json, "seq"),
                (int) number(json, "threads"), versions, json.path("probes").asText(""),
                json.path("protocol").isObject() ? json.get("protocol") : JSON.createObjectNode());
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("side", side).put("model", model).put("model_type", modelType).set("config", config);
        o.put("params", params).put("batch", batch).put("seq", seq).put("threads", threads);
        ObjectNode v = o.putObject("versions");
        versions.forEach(v::put);
        o.put("probes", probes);
        if (!protocol.isEmpty()) {
            o.set("protocol", protocol);
        }
        return o;
    }

    /**
     * Everything that makes two workers' figures incomparable, one line each ("threads: overtune 2,
     * pytorch 1"); empty when they run the same model on the same batch shape with the same threads.
     */
    public List<String> differencesFrom(WorkerConfig other) {
        List<String> out = new ArrayList<>();
        differ(out, "model", model, other.model, other);
        differ(out, "model_type", modelType, other.modelType, other);
        differ(out, "parameter count", params, other.params, other);
        differ(out, "batch", batch, other.batch, other);
        differ(out, "seq", seq, other.seq, other);
        differ(out, "threads", threads, other.threads, other);
        TreeSet<String> keys = new TreeSet<>();
        config.fieldNames().forEachRemaining(keys::add);
        other.config.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            differ(out, "config " + key, shown(config.get(key)), shown(other.config.get(key)), other);
        }
        TreeSet<String> steps = new TreeSet<>();
        protocol.fieldNames().forEachRemaining(steps::add);
        other.protocol.fieldNames().forEachRemaining(steps::add);
        for (String key : steps) {
            differ(out, "protocol " + key, shown(protocol.get(key)), shown(other.protocol.get(key)), other);
        }
        return out;
    }

    private void differ(List<String> out, String what, Object mine, Object theirs, WorkerConfig other) {
        if (!mine.equals(theirs)) {
            out.add(what + ": " + side + " " + mine + ", " + other.side + " " + theirs);
        }
    }

    /** JSON numbers compare by value, so 1e-05 from Python equals 1.0E-5 from Java. */
    private static Object shown(JsonNode v) {
        if (v == null) {
            return "(absent)";
        }
        return v.isNumber() ? (Object) v.decimalValue().stripTrailingZeros().toPlainString() : v.toString();
    }

    private static String text(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || !v.isTextual()) {
            throw new WorkerProtocol.ProtocolException("hello without a text field '" + field + "': " + json);
        }
        return v.asText();
    }

    private static long number(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || !v.canConvertToLong()) {
            throw new WorkerProtocol.ProtocolException("hello without an integer field '" + field + "': " + json);
        }
        return v.asLong();
    }
}
