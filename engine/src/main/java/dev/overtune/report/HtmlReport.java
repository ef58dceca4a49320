package dev.overtune.report;

import dev.overtune.findings.CheckpointSummary;
import dev.overtune.findings.Findings;
import dev.overtune.findings.Format;
import dev.overtune.findings.Inflection;
import dev.overtune.findings.ScanAnalysis;
import dev.overtune.findings.Trend;
import dev.overtune.findings.Verdicts;
import dev.overtune.scan.UnitResult;

import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/** {@code report.html}: one self-contained page (figures inlined as data URIs, no scripts, no external files). */
final class HtmlReport {
    /** A figure with its encoded PNG. */
    record Image(Figures.Figure figure, byte[] png) {}

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
            h1{font-size:1.6em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
            .meta{color:#555;font-size:.92em} .meta code{background:#f4f4f4;padding:0 .3em}
            table{border-collapse:collapse;font-size:.9em;margin:.6em 0} th,td{border:1px solid #ddd;padding:.25em .6em}
            th{background:#f4f4f4;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            tr.failed td{background:#fdecea;color:#8a1c1c}
            .alert{background:#fdecea;border-left:4px solid #d62728;padding:.6em 1em;margin:1em 0}
            figure{margin:1.2em 0} figure img{max-width:100%;border:1px solid #eee} figcaption{color:#555;font-size:.92em}
            li{margin:.3em 0} pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:.85em}
            """;

    private HtmlReport() {}

    static String render(ScanAnalysis a, PlanInfo plan, String source, Instant date, List<Image> images, List<UnitResult> results) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>overtune report: ")
                .append(esc(plan.task())).append("</title>\n<style>").append(STYLE).append("</style></head><body>\n");
        h.append("<h1>overtune report: ").append(esc(plan.task())).append("</h1>\n<p class=\"meta\">");
        h.append("store <code>").append(esc(source)).append("</code> · plan <code>").append(esc(plan.hash())).append("</code> · ")
                .append(a.checkpoints().size()).append(" checkpoints · ").append(a.units()).append(" units, ")
                .append(a.failedUnits().size()).append(" failed · scanned by overtune ")
                .append(esc(String.join(", ", distinct(results.stream().map(UnitResult::engineVersion).toList()))))
                .append(" (git ").append(esc(String.join(", ", distinct(results.stream().map(UnitResult::gitHash).toList()))))
                .append(") · report ").append(esc(date.toString())).append("</p>\n");

        List<CheckpointSummary> dead = a.unusableCheckpoints();
        if (!dead.isEmpty()) {
            h.append("<div class=\"alert\"><strong>").append(dead.size()).append(dead.size() == 1 ? " checkpoint" : " checkpoints")
                    .append(" failed entirely</strong> and ").append(dead.size() == 1 ? "is" : "are").append(" left out of every number: ")
                    .append(esc(String.join(", ", dead.stream().map(c -> c.name() + " (" + Format.tokens(c.tokens()) + " tokens)").toList())))
                    .append(". ").append(dead.size() == 1 ? "It is" : "They are")
                    .append(" marked on the figures; the reasons are listed under <a href=\"#failed\">Failed units</a>.</div>\n");
        }

        h.append("<h2>Findings</h2>\n<ul>\n");
        Findings.headline(a).forEach(s -> h.append("<li>").append(esc(s)).append("</li>\n"));
        h.append("</ul>\n");

        if (!images.isEmpty()) {
            h.append("<h2>Figures</h2>\n");
            for (Image img : images) {
                h.append("<figure><img alt=\"").append(esc(img.figure().title())).append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(img.png())).append("\">\n<figcaption>")
                        .append(esc(img.figure().caption())).append("</figcaption></figure>\n");
            }
        }

        h.append("<h2>Per checkpoint</h2>\n");
        CheckpointTable.Table t = CheckpointTable.of(a);
        h.append("<table><tr>");
        t.header().forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
        h.append("</tr>\n");
        for (int r = 0; r < t.rows().size(); r++) {
            h.append(t.unusable().get(r) ? "<tr class=\"failed\">" : "<tr>");
            List<String> row = t.rows().get(r);
            for (int i = 0; i < row.size(); i++) {
                boolean number = i > 0 && i < row.size() - 1;
                h.append(number ? "<td class=\"n\">" : "<td>").append(esc(row.get(i))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<p class=\"meta\">ID: loss on the task's test split; OOD: loss on held-out pre-training text; FT: after "
                + "fine-tuning at the best LR (lowest mean ID validation loss over seeds); ΔOOD: increase over the base model "
                + "(noise: mean ± 95% measurement half-width).</p>\n");

        if (!a.limits().isEmpty() || !a.warnings().isEmpty()) {
            h.append("<div class=\"alert\"><strong>What this report cannot conclude</strong><ul>\n");
            a.limits().forEach(s -> h.append("<li>").append(esc(s)).append("</li>\n"));
            a.warnings().forEach(s -> h.append("<li>").append(esc(s)).append("</li>\n"));
            h.append("</ul></div>\n");
        }
        h.append("<h2>Inflection</h2>\n<table><tr><th>metric</th><th>verdict</th><th>best at</th><th>best</th><th>last</th>"
                + "<th>worse by</th><th>95% measurement CI</th><th>p</th><th>p (Holm)</th><th>smallest attainable p</th>"
                + "<th>base model over the rise</th></tr>\n");
        for (Inflection i : a.inflections()) {
            h.append("<tr><td>").append(esc(i.label())).append("</td><td>").append(esc(i.verdict().label())).append("</td><td class=\"n\">")
                    .append(i.minCheckpoint() == null ? Format.NONE : esc(Format.tokens(i.minTokens()))).append("</td><td class=\"n\">")
                    .append(Format.loss(i.minValue())).append("</td><td class=\"n\">").append(Format.loss(i.lastValue()))
                    .append("</td><td class=\"n\">").append(Format.fixed(i.degradation(), 3)).append("</td><td class=\"n\">")
                    .append(esc(Verdicts.interval(i.degradationCi()))).append("</td><td class=\"n\">").append(esc(Verdicts.p(i.pValue())))
                    .append("</td><td class=\"n\">").append(esc(Verdicts.p(i.pHolm()))).append("</td><td class=\"n\">")
                    .append(esc(Verdicts.p(i.pFloor()))).append("</td><td>").append(esc(i.base().kind().label())).append("</td></tr>\n");
        }
        h.append("</table>\n<ul>\n");
        a.inflections().stream().filter(i -> i.verdict() == Inflection.Verdict.SIGNIFICANT)
                .forEach(i -> h.append("<li>").append(esc(i.sentence())).append("</li>\n"));
        h.append("</ul>\n<p class=\"meta\">Worse by: the last checkpoint against the best one (a loss's rise, an accuracy's fall). ")
                .append(esc(Findings.method(a))).append(" Base model over the rise: its change from the fine-tuned best checkpoint to the "
                        + "last: still improving is the paper's catastrophic overtraining; also worsening means inherited.</p>\n");

        if (!a.sensitivity().isEmpty()) {
            h.append("<h2>Sensitivity</h2>\n<table><tr><th>metric</th><th>trend</th><th>Spearman ρ</th><th>p (one-sided)</th>"
                    + "<th>p (Holm)</th><th>smallest attainable p</th><th>first</th><th>last</th><th>checkpoints</th></tr>\n");
            for (Trend s : a.sensitivity()) {
                h.append("<tr><td>").append(esc(s.label())).append("</td><td>").append(esc(s.directionLabel())).append("</td><td class=\"n\">")
                        .append(Format.fixed(s.spearman(), 2)).append("</td><td class=\"n\">").append(esc(s.pValueText()))
                        .append("</td><td class=\"n\">").append(esc(Verdicts.p(s.pHolm()))).append("</td><td class=\"n\">")
                        .append(esc(Verdicts.p(s.test().floor()))).append("</td><td class=\"n\">").append(Format.delta(s.first())).append(" @ ")
                        .append(esc(Format.tokens(s.firstTokens()))).append("</td><td class=\"n\">").append(Format.delta(s.last()))
                        .append(" @ ").append(esc(Format.tokens(s.lastTokens()))).append("</td><td class=\"n\">").append(s.checkpoints())
                        .append("</td></tr>\n");
            }
            h.append("</table>\n<p class=\"meta\">p: one-sided permutation test of growth with tokens (the paper's predicted "
                    + "direction), Holm-adjusted with the inflection tests; significant at ").append(Trend.ALPHA).append(".</p>\n");
        }

        if (!a.perturbedMinima().isEmpty() || !a.fineTunedMinima().isEmpty()) {
            h.append("<h2>Where the OOD loss turns up</h2>\n<ul>\n");
            a.perturbedMinima().forEach(m -> h.append("<li>").append(esc(m.sentence())).append("</li>\n"));
            a.fineTunedMinima().forEach(m -> h.append("<li>").append(esc(m.sentence())).append("</li>\n"));
            a.orderings().forEach(m -> h.append("<li>").append(esc(m)).append("</li>\n"));
            h.append("</ul>\n");
        }

        h.append("<h2 id=\"failed\">Failed units</h2>\n");
        if (a.failedUnits().isEmpty()) {
            h.append("<p>None: every unit finished.</p>\n");
        } else {
            h.append("<p>").append(a.failedUnits().size()).append(" of ").append(a.units())
                    .append(" units failed; they are left out of every number above.</p>\n<table><tr><th>checkpoint</th><th>tokens</th>"
                            + "<th>probe</th><th>setting</th><th>seed</th><th>reason</th><th>unit</th></tr>\n");
            for (UnitResult u : a.failedUnits()) {
                h.append("<tr><td>").append(esc(u.checkpoint())).append("</td><td class=\"n\">").append(esc(Format.tokens(u.tokens())))
                        .append("</td><td>").append(esc(u.kind().label())).append("</td><td>").append(esc(u.probe().settingLabel()))
                        .append("</td><td class=\"n\">").append(u.seed()).append("</td><td>").append(esc(u.reason()))
                        .append("</td><td><code>").append(esc(u.unitId())).append("</code></td></tr>\n");
            }
            h.append("</table>\n");
        }

        h.append("<h2>Scan plan</h2>\n<details><summary>The plan stored with the results</summary><pre>")
                .append(esc(plan.pretty())).append("</pre></details>\n</body></html>\n");
        return h.toString();
    }

    private static List<String> distinct(List<String> values) {
        return values.stream().filter(Objects::nonNull).distinct().sorted().toList();
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
