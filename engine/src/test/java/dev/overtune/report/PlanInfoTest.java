package dev.overtune.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A plan stored before schema version 2 (Java record names) reads as version 2 writes it. */
class PlanInfoTest {
    // As Jackson wrote ScanSettings into stores before version 2.
    static final String OLD = """
            {"plan_hash":"0123456789abcdef","task":"jargon-lm","settings":{"eval":{"batchSize":8,"seqLen":64,"maxBatches":0},
             "fineTune":{"learningRates":[0.001,0.003],"seeds":[0,1],"steps":40,"batchSize":8,"seqLen":64,"warmupSteps":4,
             "weightDecay":0.1,"l2ToInit":0.0},"noise":{"scale":"INIT","gammas":[0.5,1.0],"samples":3,"seed":1000},
             "quant":{"formats":[{"bits":8,"groupSize":0},{"bits":4,"groupSize":32}]},"threads":2},
             "checkpoints":[{"name":"tokens-1M","dir":"/s/tokens-1M","tokens":999424}],"units":10,"engine_version":"0.1.0","git_hash":"abc"}""";

    @Test
    void anOldPlanReadsWithSnakeCaseNames() {
        JsonNode plan = PlanInfo.of(OLD).json();
        assertEquals(2, plan.get("schema_version").asInt());
        assertEquals(1, plan.get("converted_from_schema_version").asInt());
        JsonNode s = plan.get("settings");
        assertEquals(8, s.get("eval").get("batch_size").asInt());
        assertTrue(s.get("eval").get("all").asBoolean());
        assertEquals("[0.001,0.003]", s.get("fine_tune").get("learning_rates").toString());
        assertEquals(4, s.get("fine_tune").get("warmup_steps").asInt());
        assertEquals("init", s.get("noise").get("scale").asText());
        assertEquals("[\"int8-channel\",\"int4-g32\"]", s.get("quant").get("formats").toString());
        assertEquals("0123456789abcdef", new PlanInfo(plan).hash());
        assertEquals(java.util.List.of(), ReportWriterTest.upperCaseNames(plan, "$"));
        assertFalse(plan.toString().contains("INIT"));
    }

    @Test
    void aNewPlanIsLeftAsItIs() {
        String current = "{\"schema_version\":2,\"plan_hash\":\"x\",\"settings\":{\"noise\":{\"scale\":\"init\"}}}";
        assertEquals(current, PlanInfo.of(current).json().toString());
        assertEquals("learning_rates", PlanInfo.snake("learningRates"));
        assertEquals("l2_to_init", PlanInfo.snake("l2ToInit"));
        assertEquals("plan_hash", PlanInfo.snake("plan_hash"));
    }
}
