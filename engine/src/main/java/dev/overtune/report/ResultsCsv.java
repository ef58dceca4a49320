package dev.overtune.report;

import dev.overtune.scan.UnitResult;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Every stored unit as one CSV row (RFC 4180): its identity, one column per setting key and per metric
 * (empty where a unit has none), the fine-tuning curve as {@code ;}-separated losses, and what produced it.
 */
final class ResultsCsv {
    private ResultsCsv() {}

    static String render(List<UnitResult> results) {
        SortedSet<String> settingKeys = new TreeSet<>();
        SortedSet<String> metricKeys = new TreeSet<>();
        for (UnitResult r : results) {
            settingKeys.addAll(r.setting().keySet());
            metricKeys.addAll(r.metrics().keySet());
        }
        List<String> header = new ArrayList<>(List.of("unit_id", "checkpoint", "tokens", "probe"));
        header.addAll(settingKeys);
        header.addAll(List.of("seed", "status"));
        header.addAll(metricKeys);
        header.addAll(List.of("curve", "reason", "backend", "engine_version", "git_hash", "seconds"));

        StringBuilder out = new StringBuilder();
        row(out, header);
        for (UnitResult r : results) {
            List<String> cells = new ArrayList<>(List.of(r.unitId(), r.checkpoint(), Long.toString(r.tokens()), r.kind().label()));
            settingKeys.forEach(k -> cells.add(r.setting().getOrDefault(k, "")));
            cells.add(Long.toString(r.seed()));
            cells.add(r.done() ? "done" : "failed");
            metricKeys.forEach(k -> cells.add(r.metrics().containsKey(k) ? Double.toString(r.metrics().get(k)) : ""));
            cells.add(r.curve().stream().map(d -> Double.toString(d)).collect(Collectors.joining(";")));
            cells.add(r.reason() == null ? "" : r.reason());
            cells.add(nullToEmpty(r.backend()));
            cells.add(nullToEmpty(r.engineVersion()));
            cells.add(nullToEmpty(r.gitHash()));
            cells.add(Double.toString(r.seconds()));
            row(out, cells);
        }
        return out.toString();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static void row(StringBuilder out, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(quote(cells.get(i)));
        }
        out.append("\r\n");
    }

    static String quote(String cell) {
        if (cell.indexOf(',') < 0 && cell.indexOf('"') < 0 && cell.indexOf('\n') < 0 && cell.indexOf('\r') < 0) {
            return cell;
        }
        return '"' + cell.replace("\"", "\"\"") + '"';
    }
}
