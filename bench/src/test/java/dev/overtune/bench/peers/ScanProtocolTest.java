package dev.overtune.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.data.TokenWindows;
import dev.overtune.data.Batch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScanProtocolTest {
    private static final ScanProtocol STANDARD = ScanProtocol.standard("overtrained", 2);

    @Test
    void theStandardProtocolIsTheScanDefaultsOnOneCheckpoint() {
        assertEquals(22, STANDARD.units());
        JsonNode s = STANDARD.summary();
        assertEquals(9, s.get("members").asInt());
        assertEquals(40, s.get("steps").asInt());
        assertEquals(9, s.get("noise_draws").asInt());
        assertEquals(3, s.get("quant_formats").asInt());
        // 4,000 validation bytes: (4000 - 1) / 64 full windows; the OOD text's 16,384: (16384 - 1) / 64.
        assertEquals("{\"ood\":255,\"test\":62,\"val\":62}", s.get("windows").toString());
    }

    @Test
    void writtenAndReadBackItIsTheSameProtocol(@TempDir Path dir) {
        Path file = dir.resolve("protocol.json");
        STANDARD.write(file);
        ScanProtocol back = ScanProtocol.read(file);
        assertEquals(STANDARD.settings(), back.settings());
        assertArrayEquals(STANDARD.taskTokens(), back.taskTokens());
        assertArrayEquals(STANDARD.oodTokens(), back.oodTokens());
        assertEquals(STANDARD.summary(), back.summary());
    }

    @Test
    void thePeerGetsTheBatchesTheScanTrainsOnAndEachStepsRate() {
        JsonNode json = STANDARD.toJson();
        JsonNode ft = json.get("finetune");
        int[] train = new ObjectMapper().convertValue(json.get("streams").get("train"), int[].class);
        assertEquals(32_000, train.length);
        try (Arena arena = Arena.ofConfined()) {
            Batch batch = Batch.allocate(arena, 8, 64);
            new TokenWindows(train, 2).fill(batch, 17);
            JsonNode row = ft.get("batches").get(2).get(17).get(5);
            assertEquals(65, row.size());
            for (int t = 0; t < 64; t++) {
                assertEquals(batch.inputIds().getLong(5 * 64 + t), row.get(t).asLong());
                assertEquals(batch.targets().getLong(5 * 64 + t), row.get(t + 1).asLong());
            }
        }
        // Warm-up of 4 steps to the peak, then cosine to a tenth of it.
        JsonNode rates = ft.get("schedules").get(0);
        assertEquals(40, rates.size());
        assertEquals(1e-3 / 4, rates.get(0).asDouble(), 1e-15);
        assertEquals(1e-3, rates.get(3).asDouble(), 1e-15);
        assertTrue(rates.get(39).asDouble() > 1e-4 && rates.get(39).asDouble() < 1.05e-4, rates.get(39).toString());
    }

    @Test
    void unitKeysFollowThePlanOrder() {
        JsonNode units = STANDARD.toJson().get("units");
        assertEquals("base", units.get("base").asText());
        assertEquals("finetune lr=0.003 seed=2", units.get("finetune").get(1).get(2).asText());
        assertEquals("noise gamma=2.0 scale=init seed=1001", units.get("noise").get(2).get(1).asText());
        assertEquals("quant bits=4 group=32 seed=0", units.get("quant").get(2).asText());
        assertEquals("finetune lr=0.01 seed=0", ScanProtocol.key(dev.overtune.probe.ProbeKind.FINETUNE, Map.of("lr", "0.01"), 0));
    }

    @Test
    void theAgreementReportFlagsWorkThatDiffers() {
        ObjectMapper m = new ObjectMapper();
        JsonNode ot = m.createObjectNode().set("base", m.createObjectNode().put("id_val_loss", 5.0).put("ood_loss", 5.5));
        JsonNode close = m.createObjectNode().set("base", m.createObjectNode().put("id_val_loss", 5.00000001).put("ood_loss", 5.5));
        JsonNode off = m.createObjectNode().set("base", m.createObjectNode().put("id_val_loss", 5.01).put("ood_loss", 5.5));
        String report = ScanBench.agreement(new java.util.LinkedHashMap<>(Map.of("overtune", ot)) {{
            put("PyTorch loop", close);
            put("PyTorch ensemble", off);
        }});
        assertTrue(report.contains("PyTorch loop:      base 2.0e-09\n"), report);
        assertTrue(report.contains("PyTorch ensemble:  base 2.0e-03 (ABOVE 1.0E-5) -- THE SIDES DISAGREE"), report);
    }

    @Test
    void fineTunesAgreeByTheMedianUnitSoThatOneChaoticHighRateRunIsShownNotFatal() {
        ObjectMapper m = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode ot = m.createObjectNode();
        com.fasterxml.jackson.databind.node.ObjectNode pt = m.createObjectNode();
        com.fasterxml.jackson.databind.node.ObjectNode shifted = m.createObjectNode();
        for (int seed = 0; seed < 3; seed++) {
            String key = "finetune lr=0.01 seed=" + seed;
            ot.set(key, m.createObjectNode().put("id_val_loss", 3.0).put("train_loss_last", 2.0));
            // seed 2 drifted (AdamW amplifying float32 noise); the others agree to 1e-8
            pt.set(key, m.createObjectNode().put("id_val_loss", seed == 2 ? 3.06 : 3.00000003).put("train_loss_last", 2.0));
            shifted.set(key, m.createObjectNode().put("id_val_loss", 3.03).put("train_loss_last", 2.0));
        }
        String report = ScanBench.agreement(new java.util.LinkedHashMap<>(Map.of("overtune", ot)) {{
            put("PyTorch loop", pt);
            put("PyTorch ensemble", shifted);
        }});
        assertTrue(report.contains("PyTorch loop:      finetune median 1.0e-08, largest 2.0e-02 (finetune lr=0.01 seed=2)\n"), report);
        assertTrue(report.contains("PyTorch ensemble:  finetune median 1.0e-02 (ABOVE 1.0E-4), largest 1.0e-02"), report);
        assertTrue(report.contains("THE SIDES DISAGREE"), report);
    }
}
