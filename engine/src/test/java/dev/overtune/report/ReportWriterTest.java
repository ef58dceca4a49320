package dev.overtune.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.findings.CheckpointSummary;
import dev.overtune.findings.Inflection;
import dev.overtune.findings.ScanAnalysis;
import dev.overtune.findings.SyntheticScan;
import dev.overtune.findings.Units;
import dev.overtune.probe.ProbeKind;
import dev.overtune.scan.ResultStore;
import dev.overtune.scan.ScanCheckpoint;
import dev.overtune.scan.TinyScans;
import dev.overtune.scan.UnitResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report written from real stores, scanned from the tiny series. */
class ReportWriterTest {
    @TempDir
    static Path tmp;
    static Path cleanStore;
    static Path brokenStore;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void scan() {
        List<ScanCheckpoint> series = TinyScans.series(tmp.resolve("series"));
        cleanStore = tmp.resolve("clean.db");
        brokenStore = tmp.resolve("broken.db");
        TinyScans.scan(series, cleanStore);
        TinyScans.scanWithBrokenCheckpoint(series, tmp.resolve("broken"), brokenStore);
    }

    @Test
    void writesEveryFileFromARealStore(@TempDir Path out) throws Exception {
        ReportSummary s;
        List<UnitResult> units;
        String planHash;
        try (ResultStore store = ResultStore.read(cleanStore)) {
            s = Report.write(store, out.resolve("report"));
            units = store.results();
            planHash = JSON.readTree(store.planJson()).get("plan_hash").asText();
        }
        assertEquals(3 * TinyScans.UNITS_PER_CHECKPOINT, units.size());
        for (Path p : List.of(s.csv(), s.json(), s.html())) {
            assertTrue(Files.size(p) > 0, p.toString());
        }
        assertEquals(List.of("fig1_base_vs_finetuned.png", "fig2_noise_delta_ood.png", "fig3_finetune_by_lr.png", "fig4_quant_delta.png"),
                s.plots().stream().map(p -> p.getFileName().toString()).toList());

        List<String> csv = Files.readAllLines(s.csv());
        assertEquals(units.size() + 1, csv.size(), "a header and one row per unit");
        List<String> header = Arrays.asList(csv.get(0).split(","));
        assertTrue(header.containsAll(List.of("unit_id", "tokens", "probe", "lr", "gamma", "bits", "seed", "status",
                "id_val_loss", "id_test_loss", "ood_loss", "train_loss_last", "curve", "reason", "git_hash")), header.toString());
        Set<String> csvIds = csv.stream().skip(1).map(l -> l.split(",", -1)).peek(cells -> assertEquals(header.size(), cells.length))
                .map(cells -> cells[0]).collect(Collectors.toSet());
        assertEquals(units.stream().map(UnitResult::unitId).collect(Collectors.toSet()), csvIds);

        JsonNode json = JSON.readTree(s.json().toFile());
        for (String field : List.of("date", "versions", "git_hash", "config", "units", "results", "analysis", "failed_units")) {
            assertTrue(json.has(field), "results.json lacks " + field);
        }
        assertEquals(planHash, json.get("config").get("plan_hash").asText());
        assertEquals(units.size(), json.get("units").get("total").asInt());
        assertEquals(0, json.get("failed_units").size());
        JsonNode results = json.get("results");
        assertEquals(3, results.size());
        assertTrue(results.get(0).get("tokens").asLong() < results.get(2).get("tokens").asLong(), "checkpoints in token order");
        JsonNode tuned = results.get(0).get("finetune_tuned");
        assertTrue(tuned.get("lr").asDouble() == 1e-3 || tuned.get("lr").asDouble() == 3e-3, tuned.toString());
        assertEquals(2, results.get(0).get("noise").size());
        JsonNode inflections = json.get("analysis").get("inflections");
        assertEquals(2 + 2 * 2, inflections.size(), "tuned ID and OOD, then ID and OOD at each of 2 LRs");
        assertEquals("finetune.tuned.id_test_loss", inflections.get(0).get("metric").asText());
        assertFalse(inflections.get(0).get("finding").asText().isBlank());
        for (String field : List.of("p_value", "p_holm", "p_floor", "orderings", "interval_covers", "base_model")) {
            assertTrue(inflections.get(0).has(field), "an inflection lacks " + field + ": " + inflections.get(0));
        }
        assertEquals(1.0 / 6, inflections.get(0).get("p_floor").asDouble(), 1e-12, "3 checkpoints: 1/3!");
        JsonNode limits = json.get("analysis").get("limits");
        assertTrue(limits.toString().contains("3 checkpoints: the smallest attainable p is 0.167; nothing can be significant"), limits.toString());
        assertEquals("holm", json.get("analysis").get("method").get("adjustment").asText());
        assertEquals(2 + 2, json.get("analysis").get("sensitivity").size(), "2 noise levels and 2 formats");

        for (Path png : s.plots()) {
            BufferedImage img = ImageIO.read(png.toFile());
            assertTrue(img.getWidth() >= 600 && img.getHeight() >= 400, png + " is " + img.getWidth() + "x" + img.getHeight());
            assertTrue(inkShare(img) > 0.03, png + " is nearly blank");
            assertTrue(distinctColours(img) > 20, png + " has almost no colours");
            assertEquals(0, pixelsNear(img, Chart.FAILED), png + ": nothing failed, yet something is marked red");
        }

        String html = Files.readString(s.html());
        List<byte[]> inlined = dataUris(html);
        assertEquals(s.plots().size(), inlined.size());
        for (int i = 0; i < inlined.size(); i++) {
            assertArrayEquals(Files.readAllBytes(s.plots().get(i)), inlined.get(i), "the HTML inlines the PNG as written");
        }
        assertFalse(html.contains("src=\"http") || html.contains("<script"), "self-contained");
        assertTrue(html.contains("None: every unit finished."));
    }

    @Test
    void failedCheckpointIsMarkedInTableJsonHtmlAndFigures(@TempDir Path out) throws Exception {
        ReportSummary s;
        String table;
        try (ResultStore store = ResultStore.read(brokenStore)) {
            s = Report.write(store, out);
            table = Report.table(store);
        }
        ScanAnalysis a = s.analysis();
        assertEquals(List.of("broken"), a.unusableCheckpoints().stream().map(CheckpointSummary::name).toList());
        assertEquals(TinyScans.UNITS_PER_CHECKPOINT, a.failedUnits().size());

        String brokenRow = table.lines().filter(l -> l.startsWith("broken")).findFirst().orElseThrow();
        assertTrue(brokenRow.contains("FAILED"), brokenRow);
        assertTrue(table.contains("Failed units (11 of 44"), table);
        assertTrue(table.contains("broken: ") && table.contains("model.safetensors"), table);
        assertTrue(table.contains("had no usable unit and is left out: broken"), table);

        JsonNode json = JSON.readTree(s.json().toFile());
        JsonNode second = json.get("results").get(1);
        assertEquals("broken", second.get("checkpoint").asText(), "the failed checkpoint keeps its place in token order");
        assertEquals("failed", second.get("status").asText());
        assertTrue(second.get("base").get("ood_loss").isNull());
        assertEquals("broken", json.get("analysis").get("unusable_checkpoints").get(0).get("checkpoint").asText());
        assertEquals(TinyScans.UNITS_PER_CHECKPOINT, json.get("failed_units").size());
        for (JsonNode f : json.get("failed_units")) {
            assertTrue(f.get("reason").asText().contains("model.safetensors"), f.toString());
        }

        String html = Files.readString(s.html());
        assertTrue(html.contains("<tr class=\"failed\"><td>broken</td>"), "the checkpoint's row is marked");
        assertTrue(html.contains("class=\"alert\"") && html.contains("failed entirely"));
        assertTrue(html.contains("model.safetensors"), "the reasons are listed");

        for (Path png : s.plots()) {
            assertTrue(pixelsNear(ImageIO.read(png.toFile()), Chart.FAILED) > 30, png + " does not mark the failed checkpoint");
        }
    }

    @Test
    void tableHasARowPerCheckpointAndTheFindings() {
        String table;
        try (ResultStore store = ResultStore.read(cleanStore)) {
            table = Report.table(store);
        }
        List<String> lines = table.lines().toList();
        assertTrue(lines.get(0).startsWith("checkpoint") && lines.get(0).contains("ΔOOD γ=0.5") && lines.get(0).contains("ΔOOD int4-channel"),
                lines.get(0));
        assertEquals(List.of("step4", "step12", "step24"), lines.subList(2, 5).stream().map(l -> l.split("\\s+")[0]).toList());
        assertTrue(lines.get(2).contains("512"), lines.get(2));
        assertTrue(table.contains("Findings") && table.contains("ID test loss after fine-tuning (best LR): "), table);
        assertTrue(table.contains("nothing can be significant; scan ≥ "), "the floor that limits every verdict is printed: " + table);
        assertFalse(table.contains("Failed units"));
    }

    @Test
    void writesFromUnitsHeldElsewhereAndEscapesWhatItQuotes(@TempDir Path out) throws Exception {
        List<UnitResult> units = new ArrayList<>(SyntheticScan.units());
        String hostile = "<script>alert(1)</script>, \"quoted\"";
        units.add(Units.failed(SyntheticScan.TOKENS[0], ProbeKind.NOISE, Map.of("scale", "init", "gamma", "9.0"), 3, hostile));
        ReportSummary s = Report.write(units, null, "in memory", out);

        Inflection id = s.analysis().inflection("finetune.tuned.id_test_loss").orElseThrow();
        assertEquals(SyntheticScan.MIN_TOKENS, id.minTokens());
        assertEquals(Inflection.Verdict.SIGNIFICANT, id.verdict());

        String html = Files.readString(s.html());
        assertFalse(html.contains("<script>"), "a stored reason is text, never markup");
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;, &quot;quoted&quot;"));
        assertTrue(html.contains("fine-tune diverged: loss is NaN at step 31"));
        assertTrue(html.contains("Inflection: pre-training past 4M tokens made this worse"), "the finding in plain words");
        assertTrue(html.contains("Holm"), "raw and adjusted p are shown");

        String csv = Files.readString(s.csv());
        assertTrue(csv.contains(",\"<script>alert(1)</script>, \"\"quoted\"\"\","), "RFC 4180 quoting");
        assertEquals(units.size() + 1, csv.split("\r\n").length);

        JsonNode json = JSON.readTree(s.json().toFile());
        assertTrue(json.get("config").isNull(), "no plan stored, none invented");
        assertEquals(12, json.get("failed_units").size());

        String table = Report.table(s.analysis());
        assertTrue(table.lines().anyMatch(l -> l.startsWith("ckpt-1000000") && l.endsWith("1 of 23 units failed")), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("ckpt-64000000") && l.endsWith("1 of 22 units failed")), table);
    }

    private static double inkShare(BufferedImage img) {
        long ink = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                ink += (img.getRGB(x, y) & 0xffffff) != 0xffffff ? 1 : 0;
            }
        }
        return (double) ink / ((long) img.getWidth() * img.getHeight());
    }

    private static int distinctColours(BufferedImage img) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                colours.add(img.getRGB(x, y) & 0xffffff);
            }
        }
        return colours.size();
    }

    private static int pixelsNear(BufferedImage img, java.awt.Color c) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int dr = ((rgb >> 16) & 0xff) - c.getRed();
                int dg = ((rgb >> 8) & 0xff) - c.getGreen();
                int db = (rgb & 0xff) - c.getBlue();
                n += dr * dr + dg * dg + db * db < 30 * 30 ? 1 : 0;
            }
        }
        return n;
    }

    private static List<byte[]> dataUris(String html) {
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        List<byte[]> out = new ArrayList<>();
        while (m.find()) {
            out.add(Base64.getDecoder().decode(m.group(1)));
        }
        return out;
    }
}
