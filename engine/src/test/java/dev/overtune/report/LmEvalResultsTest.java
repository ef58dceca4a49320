package dev.overtune.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.probe.ProbeKind;
import dev.overtune.scan.UnitResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A scan's units as lm-evaluation-harness results files: one per model, lm-eval's keys and metric names. */
class LmEvalResultsTest {
    static final String PLAN = """
            {"schema_version":2,"plan_hash":"0123456789abcdef","task":"wordnet-pos","settings":{"eval":{"batch_size":8,"seq_len":64,
             "max_batches":0,"all":true}},"checkpoints":[{"name":"tokens-1M","dir":"/runs/s/tokens-1M","tokens":999424}]}""";

    static UnitResult unit(String id, ProbeKind probe, Map<String, String> setting, long seed, UnitResult.Status status, Map<String, Double> metrics) {
        return new UnitResult(id, "tokens-1M", 999_424, probe, setting, seed, status, metrics, List.of(), status == UnitResult.Status.DONE ? null : "boom",
                "onnxruntime-cpu", "0.1.0", "abc1234", 12.5, Map.of("id_test_loss", new double[] {2.0, 2.2, 2.4}));
    }

    @Test
    void oneFilePerFinishedModelInLmEvalsLayout(@TempDir Path out) throws Exception {
        Map<String, Double> base = Map.of("id_test_acc", 0.61, "id_test_acc_stderr", 0.02, "id_test_acc_norm", 0.64,
                "id_test_acc_norm_stderr", 0.021, "id_test_loss", 2.2, "id_test_loss_stderr", 0.115, "id_val_loss", 2.3,
                "ood_loss", 1.9, "ood_loss_stderr", 0.003);
        List<UnitResult> units = List.of(
                unit("u1", ProbeKind.BASE, Map.of(), 0, UnitResult.Status.DONE, base),
                unit("u2", ProbeKind.FINETUNE, Map.of("lr", "0.003"), 1, UnitResult.Status.DONE, Map.of("id_test_loss", 2.0, "ood_loss", 2.1)),
                unit("u3", ProbeKind.NOISE, Map.of("scale", "init", "gamma", "1.0"), 0, UnitResult.Status.FAILED, Map.of()));
        List<Path> files = LmEvalResults.write(units, PlanInfo.of(PLAN), out, Instant.parse("2026-12-05T23:59:01.5Z"));
        assertEquals(2, files.size(), "the failed unit has no results");
        assertEquals(out.resolve("lm-eval/tokens-1M/results_2026-12-05T23-59-01.500000.json"), files.get(0));
        assertEquals(out.resolve("lm-eval/tokens-1M__finetune-lr0.003-seed1"), files.get(1).getParent());

        JsonNode b = new ObjectMapper().readTree(files.get(0).toFile());
        for (String key : List.of("results", "configs", "versions", "n-shot", "higher_is_better", "n-samples", "config", "git_hash", "date",
                "model_name", "model_name_sanitized", "total_evaluation_time_seconds")) {
            assertTrue(b.has(key), "lm-eval's key " + key + " missing: " + b);
        }
        JsonNode test = b.get("results").get("wordnet-pos");
        assertEquals("wordnet-pos", test.get("alias").asText());
        assertEquals(0.61, test.get("acc,none").asDouble());
        assertEquals(0.02, test.get("acc_stderr,none").asDouble());
        assertEquals(0.64, test.get("acc_norm,none").asDouble());
        assertEquals(0.021, test.get("acc_norm_stderr,none").asDouble());
        assertEquals(2.2, test.get("loss,none").asDouble());
        assertEquals(Math.exp(2.2), test.get("perplexity,none").asDouble(), 1e-12);
        assertEquals("N/A", b.get("results").get("wordnet-pos_validation").get("loss_stderr,none").asText(), "no stderr stored: N/A as lm-eval");
        assertEquals(0.003, b.get("results").get("ood").get("loss_stderr,none").asDouble());
        assertTrue(b.get("higher_is_better").get("wordnet-pos").get("acc").asBoolean());
        assertFalse(b.get("higher_is_better").get("wordnet-pos").get("loss").asBoolean());
        assertEquals(0, b.get("n-shot").get("wordnet-pos").asInt());
        assertEquals(3, b.get("n-samples").get("wordnet-pos").get("effective").asInt());
        assertEquals("0123456789abcdef", b.get("versions").get("ood").asText());
        assertEquals("pretrained=/runs/s/tokens-1M,probe=base", b.get("config").get("model_args").asText());
        assertEquals(8, b.get("config").get("batch_size").asInt());
        assertEquals("12.5", b.get("total_evaluation_time_seconds").asText());
        assertEquals("abc1234", b.get("git_hash").asText());

        JsonNode f = new ObjectMapper().readTree(files.get(1).toFile());
        assertEquals("tokens-1M/finetune-lr0.003-seed1", f.get("model_name").asText());
        assertEquals("pretrained=/runs/s/tokens-1M,probe=finetune,lr=0.003,seed=1", f.get("config").get("model_args").asText());
        assertFalse(f.get("results").get("wordnet-pos").has("acc,none"), "no accuracy measured, none written");
        assertEquals("u2", f.get("overtune").get("unit_id").asText());
    }
}
