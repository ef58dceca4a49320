package dev.overtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** overtune scan end to end on a two-checkpoint series made with finetune --save. */
class ScanCommandTest {
    @TempDir
    static Path dir;
    static Path series;
    static Path text;

    @BeforeAll
    static void makeSeries() throws Exception {
        text = MainTest.sampleText(dir);
        series = dir.resolve("series");
        for (int steps : new int[] {3, 6}) {
            MainTest.Run r = MainTest.run("finetune", "tiny", "--text", text.toString(), "--steps", String.valueOf(steps), "--batch", "2",
                    "--seq-len", "32", "--save", series.resolve("step" + steps).toString(), "--format", "json");
            assertEquals(ExitCodes.OK, r.code(), r.err());
        }
    }

    static String[] scanArgs(String... extra) {
        String[] base = {"scan", series.toString(), "--tokens-per-step", "64", "--task", text.toString(), "--ood", text.toString(),
                "--ft-steps", "2", "--ft-batch", "2", "--ft-seq-len", "32", "--lrs", "3e-3", "--seeds", "0", "--gammas", "1",
                "--samples", "1", "--quant", "int8", "--eval-batch", "2", "--eval-seq-len", "32", "--eval-batches", "1", "--format", "json"};
        String[] out = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, out, base.length, extra.length);
        return out;
    }

    /** The last line of scan's JSON Lines: the summary. */
    static JsonNode summary(String out) throws Exception {
        List<String> lines = out.strip().lines().toList();
        JsonNode last = new ObjectMapper().readTree(lines.getLast());
        assertEquals("summary", last.get("event").asText(), out);
        return last;
    }

    @Test
    void jsonIsOneLinePerFinishedUnitBetweenStartAndSummary(@TempDir Path tmp) throws Exception {
        MainTest.Run r = MainTest.run(scanArgs("--store", tmp.resolve("scan.db").toString()));
        assertEquals(ExitCodes.OK, r.code(), r.err());
        List<JsonNode> events = new ArrayList<>();
        for (String line : r.out().strip().lines().toList()) {
            events.add(new ObjectMapper().readTree(line));
        }
        assertEquals(1 + 8 + 1, events.size(), r.out());
        for (JsonNode e : events) {
            assertEquals(JsonOutput.SCHEMA_VERSION, e.get("schema_version").asInt(), e.toString());
        }
        assertEquals("start", events.getFirst().get("event").asText());
        assertEquals(8, events.getFirst().get("units_pending").asInt());
        Set<String> ids = new HashSet<>();
        Set<String> probes = new TreeSet<>();
        for (int i = 1; i <= 8; i++) {
            JsonNode u = events.get(i);
            assertEquals("unit", u.get("event").asText());
            assertEquals(i, u.get("finished").asInt());
            assertEquals("done", u.get("status").asText(), u.toString());
            assertTrue(u.get("metrics").get("ood_loss").asDouble() > 0, u.toString());
            assertTrue(u.get("checkpoint").asText().startsWith("step"), u.toString());
            ids.add(u.get("unit_id").asText());
            probes.add(u.get("probe").asText());
        }
        assertEquals(8, ids.size(), "every unit once");
        assertEquals(Set.of("base", "finetune", "noise", "quant"), probes);
        assertEquals(8, events.getLast().get("units_run_now").asInt());
    }

    static Map<String, Double> oodLossByCheckpoint(String jsonLines, String probe) throws Exception {
        Map<String, Double> out = new TreeMap<>();
        for (String line : jsonLines.strip().lines().toList()) {
            JsonNode e = new ObjectMapper().readTree(line);
            if (e.get("event").asText().equals("unit") && e.get("probe").asText().equals(probe)) {
                out.put(e.get("checkpoint").asText(), e.get("metrics").get("ood_loss").asDouble());
            }
        }
        return out;
    }

    @Test
    void fineTunedModelsAreKeptAsCheckpointsThatLoadBackToTheSameNumbers(@TempDir Path tmp) throws Exception {
        Path kept = tmp.resolve("finetuned");
        MainTest.Run r = MainTest.run(scanArgs("--store", tmp.resolve("scan.db").toString(), "--save-finetuned", kept.toString()));
        assertEquals(ExitCodes.OK, r.code(), r.err());
        Map<String, Double> fineTunedOod = oodLossByCheckpoint(r.out(), "finetune");
        assertEquals(Set.of("step3", "step6"), fineTunedOod.keySet());
        for (String c : fineTunedOod.keySet()) {
            Path dir = kept.resolve(c).resolve("finetune-lr0.003-seed0");
            for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
                assertTrue(Files.isRegularFile(dir.resolve(f)), dir.resolve(f) + " missing");
            }
            assertEquals(Files.readString(series.resolve(c).resolve("config.json")), Files.readString(dir.resolve("config.json")));
            assertEquals(-1, Files.mismatch(series.resolve(c).resolve("tokenizer.json"), dir.resolve("tokenizer.json")));
            MainTest.Run e = MainTest.run("eval", dir.toString(), "--text", text.toString(), "--seq-len", "32");
            assertEquals(ExitCodes.OK, e.code(), e.err());
        }
        // Scanned as a series of their own, the kept models' base OOD loss is the fine-tuned units' OOD loss, bit for bit.
        Files.writeString(kept.resolve("series.json"), """
                {"format": "overtune-series/1", "name": "kept", "checkpoints": [
                  {"name": "step3", "path": "step3/finetune-lr0.003-seed0", "tokens": 192},
                  {"name": "step6", "path": "step6/finetune-lr0.003-seed0", "tokens": 384}]}""");
        String[] again = scanArgs("--store", tmp.resolve("again.db").toString());
        again[1] = kept.toString();
        MainTest.Run s = MainTest.run(again);
        assertEquals(ExitCodes.OK, s.code(), s.err());
        assertEquals(fineTunedOod, oodLossByCheckpoint(s.out(), "base"));
    }

    @Test
    void scanStoresEveryUnitAndResumes(@TempDir Path tmp) throws Exception {
        String store = tmp.resolve("scan.db").toString();
        MainTest.Run first = MainTest.run(scanArgs("--store", store));
        assertEquals(ExitCodes.OK, first.code(), first.err());
        JsonNode a = summary(first.out());
        assertEquals(2 * 4, a.get("units_in_plan").asInt());
        assertEquals(8, a.get("units_run_now").asInt());
        assertEquals(0, a.get("units_failed").asInt());
        MainTest.Run again = MainTest.run(scanArgs("--store", store));
        assertEquals(0, summary(again.out()).get("units_run_now").asInt());
    }

    @Test
    void reportWritesEverythingAndNamesMissingStores(@TempDir Path tmp) throws Exception {
        String store = tmp.resolve("scan.db").toString();
        assertEquals(ExitCodes.OK, MainTest.run(scanArgs("--store", store)).code());
        Path out = tmp.resolve("report");
        MainTest.Run r = MainTest.run("report", store, "--out", out.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("Findings") && r.out().contains("step3") && r.out().contains("step6"), r.out());
        for (String f : new String[] {"report.html", "results.json", "results.csv", "fig1_base_vs_finetuned.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        MainTest.assertOneLineError(MainTest.run("report", tmp.resolve("nope.db").toString(), "--out", out.toString()),
                ExitCodes.BAD_INPUT, "nope.db");

        MainTest.Run lm = MainTest.run("report", store, "--out", out.toString(), "--format", "lm-eval");
        assertEquals(ExitCodes.OK, lm.code(), lm.err());
        assertTrue(lm.out().contains("8 lm-eval results files"), lm.out());
        List<Path> files;
        try (var walk = Files.walk(out.resolve("lm-eval"))) {
            files = walk.filter(p -> p.getFileName().toString().startsWith("results_")).sorted().toList();
        }
        assertEquals(8, files.size(), files.toString());
        JsonNode base = new ObjectMapper().readTree(out.resolve("lm-eval/step3").toFile().listFiles()[0]);
        assertTrue(base.get("results").get("ood").get("loss,none").asDouble() > 0, base.toString());
        assertTrue(base.get("config").get("model_args").asText().startsWith("pretrained=" + series.resolve("step3")), base.toString());
        MainTest.assertOneLineError(MainTest.run("report", store, "--out", out.toString(), "--format", "yaml"), ExitCodes.USAGE,
                "--format 'yaml'", "lm-eval");
    }

    @Test
    void shippedTaskScans(@TempDir Path tmp) throws Exception {
        String[] args = scanArgs("--store", tmp.resolve("t.db").toString());
        args[java.util.Arrays.asList(args).indexOf("--task") + 1] = "wordnet-pos";
        MainTest.Run r = MainTest.run(args);
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals(0, summary(r.out()).get("units_failed").asInt());
    }

    @Test
    void shardsSplitThePlan(@TempDir Path tmp) throws Exception {
        String store = tmp.resolve("scan.db").toString();
        int ran = 0;
        for (String shard : new String[] {"0/3", "1/3", "2/3"}) {
            MainTest.Run r = MainTest.run(scanArgs("--store", store, "--shard", shard));
            assertEquals(ExitCodes.OK, r.code(), r.err());
            ran += summary(r.out()).get("units_run_now").asInt();
        }
        assertEquals(8, ran);
    }

    @Test
    void badShardQuantAndStoreAreOneLineErrors(@TempDir Path tmp) throws Exception {
        MainTest.assertOneLineError(MainTest.run(scanArgs("--shard", "3/3")), ExitCodes.USAGE, "--shard", "I/N");
        MainTest.assertOneLineError(MainTest.run(scanArgs("--quant", "fp8")), ExitCodes.USAGE, "--quant", "fp8");
        MainTest.assertOneLineError(MainTest.run(scanArgs("--ft-warmup", "5")), ExitCodes.USAGE, "--ft-warmup", "--ft-steps");
        MainTest.assertOneLineError(MainTest.run(scanArgs("--quant", "int8")), ExitCodes.USAGE, "int8-channel", "twice");
        Path junk = tmp.resolve("junk.db");
        Files.writeString(junk, "not a database");
        MainTest.assertOneLineError(MainTest.run(scanArgs("--store", junk.toString())), ExitCodes.BAD_INPUT, "junk.db", "untouched");
        String[] missingOod = scanArgs("--store", tmp.resolve("x.db").toString());
        missingOod[java.util.Arrays.asList(missingOod).indexOf("--ood") + 1] = tmp.resolve("none.txt").toString();
        MainTest.assertOneLineError(MainTest.run(missingOod), ExitCodes.BAD_INPUT, "none.txt");
        String[] unknownTask = scanArgs("--store", tmp.resolve("y.db").toString());
        unknownTask[java.util.Arrays.asList(unknownTask).indexOf("--task") + 1] = "no-such-task";
        MainTest.assertOneLineError(MainTest.run(unknownTask), ExitCodes.BAD_INPUT, "no-such-task", "wordnet-supersense");
    }

    static String[] withEvalBatches(String value, String... extra) {
        String[] args = scanArgs(extra);
        args[java.util.Arrays.asList(args).indexOf("--eval-batches") + 1] = value;
        return args;
    }

    @Test
    void evalBatchesIsAllOrAPositiveCount(@TempDir Path tmp) throws Exception {
        for (String bad : new String[] {"0", "-2", "many", "1.5", ""}) {
            MainTest.assertOneLineError(MainTest.run(withEvalBatches(bad, "--store", tmp.resolve("bad.db").toString())), ExitCodes.USAGE,
                    "--eval-batches", "all", "positive");
        }
        assertTrue(java.nio.file.Files.notExists(tmp.resolve("bad.db")), "nothing written for a bad flag");
        MainTest.Run all = MainTest.run(withEvalBatches("all", "--store", tmp.resolve("all.db").toString()));
        assertEquals(ExitCodes.OK, all.code(), all.err());
        assertEquals(0, summary(all.out()).get("units_failed").asInt());
        MainTest.Run help = MainTest.run("scan", "--help");
        assertTrue(help.out().contains("--eval-batches") && help.out().contains("default: all") && help.out().contains("default: 0,1,2"), help.out());
    }

    @Test
    void seriesWithoutTokenCountsIsRefused(@TempDir Path tmp) {
        String[] args = scanArgs("--store", tmp.resolve("s.db").toString());
        String[] noTokens = java.util.stream.Stream.of(args).filter(a -> !a.equals("--tokens-per-step") && !a.equals("64")).toArray(String[]::new);
        MainTest.assertOneLineError(MainTest.run(noTokens), ExitCodes.BAD_INPUT, "token", "series.json");
    }
}
