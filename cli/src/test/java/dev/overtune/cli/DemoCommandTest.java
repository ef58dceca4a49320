package dev.overtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's main job, end to end in its quick form: pretrain, scan, report; a rerun resumes with nothing to redo. */
class DemoCommandTest {
    @Test
    void quickDemoPretrainsScansAndReportsThenResumes(@TempDir Path out) throws Exception {
        MainTest.Run first = MainTest.run("demo", "--quick", "--out", out.toString());
        assertEquals(ExitCodes.OK, first.code(), first.err());
        for (String f : new String[] {"series/series.json", "series/tokens-64K/model.safetensors", "series/tokens-256K/model.safetensors",
                "scan.db", "report/report.html", "report/results.json", "report/fig1_base_vs_finetuned.png", "report/fig2_noise_delta_ood.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertTrue(first.out().contains("$ overtune pretrain") && first.out().contains("$ overtune scan") && first.out().contains("Findings"), first.out());

        MainTest.Run again = MainTest.run("demo", "--quick", "--out", out.toString());
        assertEquals(ExitCodes.OK, again.code(), again.err());
        assertTrue(again.out().contains("0 to run") && again.out().contains("ran 0 units now"), again.out());

        MainTest.Run json = MainTest.run("demo", "--quick", "--out", out.toString(), "--format", "json");
        assertEquals(ExitCodes.OK, json.code(), json.err());
        List<JsonNode> events = new ArrayList<>();
        for (String line : json.out().strip().lines().toList()) {
            events.add(new ObjectMapper().readTree(line)); // every line one JSON object
        }
        List<String> commands = events.stream().filter(e -> "command".equals(e.path("event").asText())).map(e -> e.get("command").asText()).toList();
        assertEquals(List.of("pretrain", "scan", "report"), commands);
        assertTrue(events.stream().allMatch(e -> e.get("schema_version").asInt() == JsonOutput.SCHEMA_VERSION), json.out());
        assertEquals("summary", events.stream().filter(e -> e.has("units_run_now")).findFirst().orElseThrow().get("event").asText());
        assertTrue(events.stream().anyMatch(e -> e.has("html") && e.has("plots")), "the report's own JSON: " + json.out());
        assertEquals("done", events.getLast().get("event").asText());
        assertEquals(out.resolve("report/report.html").toString(), events.getLast().get("report").asText());
    }
}
