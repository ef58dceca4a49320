package dev.overtune.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.analysis.PermutationTest;
import dev.overtune.build.BuildInfo;
import dev.overtune.findings.CheckpointSummary;
import dev.overtune.findings.Findings;
import dev.overtune.findings.FineTuneOutcome;
import dev.overtune.findings.Format;
import dev.overtune.findings.Inflection;
import dev.overtune.findings.MinimumOverTokens;
import dev.overtune.findings.ScanAnalysis;
import dev.overtune.findings.Trend;
import dev.overtune.findings.Verdicts;
import dev.overtune.scan.UnitResult;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code results.json}, after lm-evaluation-harness's results file: what produced the numbers (the scan
 * plan as config, versions, git hashes, date), per-checkpoint results, the analysis, and the failed units.
 * Numbers that could not be computed are {@code null}, never NaN.
 */
final class ResultsJson {
    static final int SCHEMA_VERSION = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultsJson() {}

    static String render(ScanAnalysis a, List<UnitResult> results, PlanInfo plan, String source, Instant date) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema_version", SCHEMA_VERSION);
        root.put("date", date.toString());
        root.put("source", source);
        ObjectNode versions = root.putObject("versions");
        versions.put("report", BuildInfo.engineVersion());
        versions.set("scan", strings(results.stream().map(UnitResult::engineVersion).toList()));
        ObjectNode git = root.putObject("git_hash");
        git.put("report", BuildInfo.gitHash());
        git.set("scan", strings(results.stream().map(UnitResult::gitHash).toList()));
        root.set("backends", strings(results.stream().map(UnitResult::backend).toList()));
        root.set("config", plan.json());
        ObjectNode units = root.putObject("units");
        units.put("total", a.units());
        units.put("done", a.units() - a.failedUnits().size());
        units.put("failed", a.failedUnits().size());

        ArrayNode checkpoints = root.putArray("results");
        for (CheckpointSummary c : a.checkpoints()) {
            checkpoints.add(checkpoint(c));
        }
        root.set("analysis", analysis(a));
        ArrayNode failed = root.putArray("failed_units");
        for (UnitResult u : a.failedUnits()) {
            ObjectNode f = failed.addObject();
            f.put("unit_id", u.unitId());
            f.put("checkpoint", u.checkpoint());
            f.put("tokens", u.tokens());
            f.put("probe", u.kind().label());
            f.set("setting", JSON.valueToTree(new TreeMap<>(u.setting())));
            f.put("seed", u.seed());
            f.put("reason", u.reason());
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode checkpoint(CheckpointSummary c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("checkpoint", c.name());
        o.put("tokens", c.tokens());
        o.put("status", !c.usable() ? "failed" : c.failedUnits() > 0 ? "partial" : "ok");
        o.put("units", c.units());
        o.put("failed_units", c.failedUnits());
        ObjectNode base = o.putObject("base");
        num(base, "id_val_loss", c.baseIdValLoss());
        num(base, "id_test_loss", c.baseIdTestLoss());
        num(base, "ood_loss", c.baseOodLoss());
        o.set("finetune_tuned", c.tuned() == null ? null : fineTune(c.tuned()));
        ObjectNode byLr = o.putObject("finetune_by_lr");
        c.byLr().forEach((lr, f) -> byLr.set(Format.number(lr), fineTune(f)));
        ObjectNode noise = o.putObject("noise");
        c.noise().forEach((n, d) -> {
            ObjectNode x = noise.putObject(n.scale() + ":gamma=" + Format.number(n.gamma()));
            x.put("scale", n.scale());
            x.put("gamma", n.gamma());
            num(x, "delta_ood_loss", d.meanDeltaOod());
            num(x, "ci95_low", d.ci().lo());
            num(x, "ci95_high", d.ci().hi());
            x.put("samples", d.samples());
        });
        ObjectNode quant = o.putObject("quant");
        c.quant().forEach((q, d) -> {
            ObjectNode x = quant.putObject(q.label());
            x.put("bits", q.bits());
            x.put("group", q.group());
            num(x, "delta_ood_loss", d.deltaOod());
            num(x, "delta_ood_ci95_low", d.oodCi().lo());
            num(x, "delta_ood_ci95_high", d.oodCi().hi());
            num(x, "delta_id_test_loss", d.deltaIdTest());
        });
        return o;
    }

    private static ObjectNode fineTune(FineTuneOutcome f) {
        ObjectNode o = JSON.createObjectNode();
        o.put("lr", f.lr());
        num(o, "id_val_loss", f.idValLoss());
        num(o, "id_test_loss", f.idTestLoss());
        num(o, "ood_loss", f.oodLoss());
        o.put("seeds", f.runs());
        return o;
    }

    private static ObjectNode analysis(ScanAnalysis a) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode method = o.putObject("method");
        method.put("alpha", Verdicts.ALPHA);
        method.put("adjustment", "holm");
        method.put("tests", Findings.tests(a));
        method.put("inflection_test", "one-sided permutation over checkpoint order; statistic: largest standardised Mann-Kendall S of a tail of >= 3 checkpoints");
        method.put("trend_test", "one-sided permutation over checkpoint order; statistic: Spearman rho with token order");
        method.put("intervals", a.perWindowLosses() ? "95% measurement: seed and evaluation noise, paired by seed and window (t, Welch-Satterthwaite df)"
                : "95% measurement: seed noise only (no per-window losses in this store)");
        method.put("per_window_losses", a.perWindowLosses());
        num(method, "evaluation_se_max", a.evaluationSe());
        ArrayNode inflections = o.putArray("inflections");
        for (Inflection i : a.inflections()) {
            ObjectNode x = inflections.addObject();
            x.put("metric", i.metric());
            x.put("label", i.label());
            x.put("higher_is_better", i.higherIsBetter());
            x.put("verdict", i.verdict().name().toLowerCase(Locale.ROOT));
            x.put("checkpoints", i.checkpoints());
            x.put("min_checkpoint", i.minCheckpoint());
            x.put("min_tokens", i.minTokens());
            num(x, "min_value", i.minValue());
            x.put("last_tokens", i.lastTokens());
            num(x, "last_value", i.lastValue());
            num(x, "degradation", i.degradation());
            num(x, "degradation_ci95_low", i.degradationCi().lo());
            num(x, "degradation_ci95_high", i.degradationCi().hi());
            x.put("interval_covers", i.covers());
            test(x, i.test(), i.pHolm());
            ObjectNode base = x.putObject("base_model");
            base.put("judgement", i.base().kind().name().toLowerCase(Locale.ROOT));
            num(base, "change", i.base().change());
            num(base, "ci95_low", i.base().ci().lo());
            num(base, "ci95_high", i.base().ci().hi());
            x.put("limit", i.limit());
            x.put("finding", i.sentence());
        }
        ArrayNode trends = o.putArray("sensitivity");
        for (Trend t : a.sensitivity()) {
            ObjectNode x = trends.addObject();
            x.put("metric", t.metric());
            x.put("label", t.label());
            x.put("direction", t.direction().name().toLowerCase(Locale.ROOT));
            num(x, "spearman", t.spearman());
            test(x, t.test(), t.pHolm());
            x.put("significant", t.significant());
            x.put("checkpoints", t.checkpoints());
            x.put("first_tokens", t.firstTokens());
            num(x, "first", t.first());
            x.put("last_tokens", t.lastTokens());
            num(x, "last", t.last());
            x.put("limit", t.limit());
            x.put("finding", t.sentence());
        }
        ArrayNode minima = o.putArray("minima_over_tokens");
        for (MinimumOverTokens m : concat(a.perturbedMinima(), a.fineTunedMinima())) {
            ObjectNode x = minima.addObject();
            x.put("metric", m.key());
            x.put("label", m.label());
            x.put("checkpoints", m.checkpoints());
            x.put("min_checkpoint", m.minCheckpoint());
            x.put("min_tokens", m.minTokens());
            num(x, "min_value", m.minValue());
            ArrayNode set = x.putArray("not_significantly_worse_tokens");
            m.notWorse().forEach(set::add);
            x.put("comparisons_cover", m.covers());
            x.put("finding", m.sentence());
        }
        ArrayNode orderings = o.putArray("orderings");
        a.orderings().forEach(orderings::add);
        ArrayNode warnings = o.putArray("warnings");
        a.warnings().forEach(warnings::add);
        ArrayNode limits = o.putArray("limits");
        a.limits().forEach(limits::add);
        ArrayNode unusable = o.putArray("unusable_checkpoints");
        a.unusableCheckpoints().forEach(c -> unusable.addObject().put("checkpoint", c.name()).put("tokens", c.tokens()));
        ArrayNode findings = o.putArray("findings");
        Findings.headline(a).forEach(findings::add);
        return o;
    }

    private static void test(ObjectNode x, PermutationTest.Result t, double holm) {
        num(x, "p_value", t.p());
        num(x, "p_holm", holm);
        num(x, "p_floor", t.floor());
        x.put("orderings", t.orderings());
        x.put("exact", t.exact());
    }

    private static List<MinimumOverTokens> concat(List<MinimumOverTokens> a, List<MinimumOverTokens> b) {
        List<MinimumOverTokens> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static void num(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode out = JSON.createArrayNode();
        new TreeSet<>(values.stream().filter(Objects::nonNull).toList()).forEach(out::add);
        return out;
    }
}
