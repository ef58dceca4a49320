package dev.overtune.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.build.BuildInfo;
import dev.overtune.probe.ProbeKind;
import dev.overtune.scan.UnitResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The scan's measurements as lm-evaluation-harness writes its own: one {@code results_<date>.json} per model
 * evaluated (a checkpoint's base model, each fine-tuned, perturbed or quantised copy) under a directory named
 * after the model ({@code model_name_sanitized}), with lm-eval's top-level keys ({@code results}, {@code configs},
 * {@code versions}, {@code n-shot}, {@code higher_is_better}, {@code n-samples}, {@code config}, {@code git_hash},
 * {@code date}, {@code model_name}, ...) and its metric keys ({@code "acc,none"}, {@code "acc_stderr,none"}).
 * Tasks: the ID task's test split under its own name, its validation split as {@code <task>_validation}, and the
 * held-out text as {@code ood}. Losses are nats per token ({@code loss}, lower is better) with their
 * {@code perplexity}.
 */
final class LmEvalResults {
    static final String DIR = "lm-eval";
    static final String OOD_TASK = "ood";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter FILE_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSSSSS").withZone(ZoneOffset.UTC);

    private LmEvalResults() {}

    /** Writes one results file per finished unit under {@code outDir/lm-eval/}; returns them in unit order. */
    static List<Path> write(List<UnitResult> results, PlanInfo plan, Path outDir, Instant date) throws IOException {
        Path root = outDir.resolve(DIR);
        List<Path> written = new ArrayList<>();
        for (UnitResult u : results) {
            if (!u.done()) {
                continue;
            }
            String model = modelName(u);
            Path dir = Files.createDirectories(root.resolve(sanitized(model)));
            Path file = dir.resolve("results_" + FILE_DATE.format(date) + ".json");
            Files.writeString(file, render(u, plan, date), StandardCharsets.UTF_8);
            written.add(file);
        }
        return written;
    }

    /** The checkpoint, and what was done to it: {@code tokens-1M}, {@code tokens-1M/finetune-lr0.003-seed0}. */
    static String modelName(UnitResult u) {
        if (u.kind() == ProbeKind.BASE) {
            return u.checkpoint();
        }
        StringBuilder s = new StringBuilder(u.checkpoint()).append('/').append(u.kind().label());
        new TreeMap<>(u.setting()).forEach((k, v) -> s.append('-').append(k).append(v));
        if (u.kind() != ProbeKind.QUANT) {
            s.append("-seed").append(u.seed());
        }
        return s.toString();
    }

    /** As lm-eval names a model's directory: '/' becomes "__". */
    static String sanitized(String model) {
        return model.replace("/", "__").replaceAll("[^A-Za-z0-9._=+-]", "_");
    }

    static String render(UnitResult u, PlanInfo plan, Instant date) {
        String task = plan.task();
        Map<String, Split> splits = new LinkedHashMap<>();
        splits.put(task, new Split("id_test", "test"));
        splits.put(task + "_validation", new Split("id_val", "validation"));
        splits.put(OOD_TASK, new Split("ood", "held-out text"));

        ObjectNode root = JSON.createObjectNode();
        ObjectNode results = root.putObject("results");
        ObjectNode configs = root.putObject("configs");
        ObjectNode versions = root.putObject("versions");
        ObjectNode nShot = root.putObject("n-shot");
        ObjectNode higher = root.putObject("higher_is_better");
        ObjectNode nSamples = root.putObject("n-samples");
        splits.forEach((name, split) -> {
            ObjectNode r = JSON.createObjectNode().put("alias", name);
            ObjectNode better = JSON.createObjectNode();
            for (Metric m : Metric.values()) {
                double v = metric(u, split.prefix, m);
                if (Double.isNaN(v)) {
                    continue;
                }
                r.put(m.lmEval + ",none", v);
                double se = metric(u, split.prefix, m.stderrOf());
                if (m.hasStderr) {
                    if (Double.isFinite(se)) {
                        r.put(m.lmEval + "_stderr,none", se);
                    } else {
                        r.put(m.lmEval + "_stderr,none", "N/A");
                    }
                }
                better.put(m.lmEval, m.higherIsBetter);
            }
            if (better.isEmpty()) {
                return; // this unit did not evaluate that split (e.g. a noise unit measures the held-out text only)
            }
            results.set(name, r);
            higher.set(name, better);
            nShot.put(name, 0);
            versions.put(name, plan.hash());
            int n = samples(u, split.prefix);
            if (n > 0) {
                nSamples.putObject(name).put("original", n).put("effective", n);
            }
            ObjectNode c = configs.putObject(name).put("task", name).put("dataset_name", task).put("test_split", split.split)
                    .put("output_type", "loglikelihood").put("num_fewshot", 0);
            var metrics = c.putArray("metric_list");
            better.properties().forEach(e -> metrics.addObject().put("metric", e.getKey()).put("aggregation", "mean")
                    .put("higher_is_better", e.getValue().asBoolean()));
            c.putObject("metadata").put("version", plan.hash());
        });
        JsonNode planJson = plan.json();
        ObjectNode config = root.putObject("config");
        config.put("model", "overtune");
        config.put("model_args", "pretrained=" + checkpointDir(planJson, u.checkpoint()) + ",probe=" + u.kind().label()
                + settingArgs(u));
        JsonNode eval = planJson == null ? null : planJson.path("settings").path("eval");
        if (eval != null && eval.has("batch_size")) {
            config.put("batch_size", eval.get("batch_size").asInt());
            config.set("limit", eval.path("all").asBoolean(true) ? null : eval.get("max_batches"));
        }
        config.put("device", u.backend());
        config.put("random_seed", u.seed());
        root.put("git_hash", u.gitHash());
        root.put("date", date.getEpochSecond() + date.getNano() / 1e9);
        root.put("model_name", modelName(u));
        root.put("model_name_sanitized", sanitized(modelName(u)));
        root.put("total_evaluation_time_seconds", Double.toString(u.seconds()));
        ObjectNode overtune = root.putObject("overtune");
        overtune.put("schema_version", ResultsJson.SCHEMA_VERSION);
        overtune.put("report_version", BuildInfo.engineVersion());
        overtune.put("unit_id", u.unitId());
        overtune.put("checkpoint", u.checkpoint());
        overtune.put("tokens", u.tokens());
        overtune.put("probe", u.kind().label());
        ObjectNode setting = overtune.putObject("setting");
        new TreeMap<>(u.setting()).forEach(setting::put);
        overtune.put("seed", u.seed());
        overtune.put("plan_hash", plan.hash());
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Split(String prefix, String split) {}

    /**
     * lm-eval's metric names for the store's: {@code acc} and {@code acc_norm} (per character, as lm-eval), and
     * the per-token loss with its perplexity. Stores from before lm-eval's names kept {@code accuracy} and
     * {@code accuracy_norm} (per UTF-8 byte), which stay apart as {@code acc_norm_bytes}.
     */
    private enum Metric {
        ACC("acc", List.of("acc", "accuracy"), true, true),
        ACC_NORM("acc_norm", List.of("acc_norm"), true, true),
        ACC_NORM_BYTES("acc_norm_bytes", List.of("accuracy_norm"), true, true),
        LOSS("loss", List.of("loss"), false, true),
        PERPLEXITY("perplexity", List.of(), false, false);

        final String lmEval;
        final List<String> stored;
        final boolean higherIsBetter;
        final boolean hasStderr;

        Metric(String lmEval, List<String> stored, boolean higherIsBetter, boolean hasStderr) {
            this.lmEval = lmEval;
            this.stored = stored;
            this.higherIsBetter = higherIsBetter;
            this.hasStderr = hasStderr;
        }

        String stderrOf() {
            return "stderr:" + name();
        }
    }

    private static double metric(UnitResult u, String prefix, Metric m) {
        if (m == Metric.PERPLEXITY) {
            double loss = metric(u, prefix, Metric.LOSS);
            return Double.isNaN(loss) ? Double.NaN : Math.exp(loss);
        }
        for (String name : m.stored) {
            Double v = u.metrics().get(prefix + "_" + name);
            if (v != null) {
                return v;
            }
        }
        return Double.NaN;
    }

    private static double metric(UnitResult u, String prefix, String stderrKey) {
        Metric m = Metric.valueOf(stderrKey.substring("stderr:".length()));
        for (String name : m.stored) {
            Double v = u.metrics().get(prefix + "_" + name + "_stderr");
            if (v != null) {
                return v;
            }
        }
        return Double.NaN;
    }

    private static int samples(UnitResult u, String prefix) {
        for (String metric : List.of(prefix + "_loss", prefix + "_acc")) {
            double[] s = u.samples(metric);
            if (s != null) {
                return s.length;
            }
        }
        return 0;
    }

    private static String checkpointDir(JsonNode plan, String checkpoint) {
        if (plan != null) {
            for (JsonNode c : plan.path("checkpoints")) {
                if (checkpoint.equals(c.path("name").asText())) {
                    return c.path("dir").asText(checkpoint);
                }
            }
        }
        return checkpoint;
    }

    private static String settingArgs(UnitResult u) {
        StringBuilder s = new StringBuilder();
        new TreeMap<>(u.setting()).forEach((k, v) -> s.append(',').append(k.toLowerCase(Locale.ROOT)).append('=').append(v));
        return u.kind() == ProbeKind.BASE || u.kind() == ProbeKind.QUANT ? s.toString() : s.append(",seed=").append(u.seed()).toString();
    }
}
