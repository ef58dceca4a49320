package dev.overtune.report;

import dev.overtune.findings.Findings;
import dev.overtune.findings.Inflection;
import dev.overtune.findings.MinimumOverTokens;
import dev.overtune.findings.ScanAnalysis;
import dev.overtune.scan.UnitResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report as terminal text: the per-checkpoint table with aligned columns, then the findings, then the failures. */
final class TerminalTable {
    private static final int MAX_FAILURE_LINES = 20;

    private TerminalTable() {}

    static String render(ScanAnalysis a) {
        StringBuilder out = new StringBuilder();
        CheckpointTable.Table t = CheckpointTable.of(a);
        int[] width = new int[t.header().size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = t.header().get(i).length();
            for (List<String> row : t.rows()) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        line(out, t.header(), width);
        int total = 0;
        for (int w : width) {
            total += w + 2;
        }
        out.append("-".repeat(total - 2)).append('\n');
        t.rows().forEach(row -> line(out, row, width));
        out.append('\n');
        out.append("ID: loss on the task's test split; OOD: loss on held-out pre-training text; FT: after fine-tuning at the best LR "
                + "(lowest mean ID validation loss); ΔOOD: increase over the base model (± 95% measurement half-width).\n");

        out.append("\nFindings\n");
        for (String s : Findings.headline(a)) {
            out.append("  * ").append(s).append('\n');
        }
        List<Inflection> fixed = a.inflections().stream().filter(i -> i.metric().startsWith("finetune.lr=")).toList();
        if (!fixed.isEmpty()) {
            out.append("  * Fixed learning rates (best checkpoint, how much worse the last one is, permutation p):\n");
            for (Inflection i : fixed) {
                out.append("      ").append(i.label()).append(": ").append(Findings.brief(i)).append('\n');
            }
        }
        for (MinimumOverTokens m : a.fineTunedMinima()) {
            out.append("  * ").append(m.sentence()).append('\n');
        }
        out.append('\n').append(Findings.method(a)).append('\n');
        if (!a.failedUnits().isEmpty()) {
            out.append("\nFailed units (").append(a.failedUnits().size()).append(" of ").append(a.units())
                    .append(", left out of every number above)\n");
            Map<String, Integer> grouped = new LinkedHashMap<>();
            for (UnitResult u : a.failedUnits()) {
                grouped.merge(u.checkpoint() + ": " + u.reason(), 1, Integer::sum);
            }
            int shown = 0;
            for (Map.Entry<String, Integer> e : grouped.entrySet()) {
                if (shown++ == MAX_FAILURE_LINES) {
                    out.append("  ... and ").append(grouped.size() - MAX_FAILURE_LINES).append(" more reasons (all in results.json)\n");
                    break;
                }
                out.append(String.format(Locale.ROOT, "  %4d %-5s  %s\n", e.getValue(), e.getValue() == 1 ? "unit" : "units", e.getKey()));
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            String pad = " ".repeat(width[i] - c.length());
            boolean left = i == 0 || i == cells.size() - 1;
            b.append(left ? c + pad : pad + c).append(i == cells.size() - 1 ? "" : "  ");
        }
        out.append(b.toString().stripTrailing()).append('\n');
    }
}
