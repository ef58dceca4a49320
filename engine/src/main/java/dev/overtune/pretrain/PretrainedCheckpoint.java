package dev.overtune.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of series.json's {@code checkpoints}: a checkpoint directory relative to the series, the
 * tokens it was trained on (step × tokens per step), the budget it stands for, the optimizer step it
 * was saved after, each file's sha256, and its loss on the held-out part of the corpus (mean over
 * {@code oodTokens} scored tokens).
 */
public record PretrainedCheckpoint(String name, String path, long tokens, long budget, long step, Map<String, String> sha256,
                                   double oodLoss, long oodTokens) {
    public PretrainedCheckpoint {
        sha256 = Map.copyOf(sha256);
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", name);
        o.put("path", path);
        o.put("tokens", tokens);
        o.put("budget", budget);
        o.put("step", step);
        ObjectNode hashes = o.putObject("sha256");
        sha256.keySet().stream().sorted().forEach(k -> hashes.put(k, sha256.get(k)));
        o.put("ood_loss", oodLoss);
        o.put("ood_eval_tokens", oodTokens);
        return o;
    }

    static PretrainedCheckpoint fromJson(JsonNode o) {
        Map<String, String> hashes = new LinkedHashMap<>();
        o.path("sha256").properties().forEach(e -> hashes.put(e.getKey(), e.getValue().asText()));
        // Series written before the budget was kept apart recorded the budget as the tokens.
        return new PretrainedCheckpoint(o.path("name").asText(), o.path("path").asText(), o.path("tokens").asLong(),
                o.path("budget").asLong(o.path("tokens").asLong()), o.path("step").asLong(), hashes, o.path("ood_loss").asDouble(Double.NaN), o.path("ood_eval_tokens").asLong());
    }
}
