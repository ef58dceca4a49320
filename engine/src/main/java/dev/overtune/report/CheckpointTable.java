package dev.overtune.report;

import dev.overtune.findings.CheckpointSummary;
import dev.overtune.findings.Format;
import dev.overtune.findings.NoiseDelta;
import dev.overtune.findings.NoiseLevel;
import dev.overtune.findings.QuantDelta;
import dev.overtune.findings.QuantFormat;
import dev.overtune.findings.ScanAnalysis;

import java.util.ArrayList;
import java.util.List;

/**
 * The per-checkpoint table shared by the terminal and the HTML report: tokens, base ID/OOD loss, ID/OOD
 * after fine-tuning at the best learning rate, Δ OOD per noise level and per quantisation format, status.
 */
final class CheckpointTable {
    /** The first column (the checkpoint's name) reads left-aligned, the rest are numbers. */
    record Table(List<String> header, List<List<String>> rows, List<Boolean> unusable) {}

    private CheckpointTable() {}

    static Table of(ScanAnalysis a) {
        List<String> header = new ArrayList<>(List.of("checkpoint", "tokens", "base ID", "base OOD", "FT ID", "FT OOD", "best LR"));
        a.noiseLevels().forEach(n -> header.add("ΔOOD " + n.label()));
        a.quantFormats().forEach(q -> header.add("ΔOOD " + q.label()));
        header.add("status");
        List<List<String>> rows = new ArrayList<>();
        List<Boolean> unusable = new ArrayList<>();
        for (CheckpointSummary c : a.checkpoints()) {
            List<String> row = new ArrayList<>();
            row.add(c.name());
            row.add(Format.tokens(c.tokens()));
            row.add(Format.loss(c.baseIdTestLoss()));
            row.add(Format.loss(c.baseOodLoss()));
            row.add(c.tuned() == null ? Format.NONE : Format.loss(c.tuned().idTestLoss()));
            row.add(c.tuned() == null ? Format.NONE : Format.loss(c.tuned().oodLoss()));
            row.add(c.tuned() == null ? Format.NONE : Format.number(c.tuned().lr()));
            for (NoiseLevel n : a.noiseLevels()) {
                NoiseDelta d = c.noise().get(n);
                row.add(d == null ? Format.NONE : Format.delta(d.meanDeltaOod())
                        + (d.ci().available() ? "±" + Format.fixed((d.ci().hi() - d.ci().lo()) / 2, 3) : ""));
            }
            for (QuantFormat q : a.quantFormats()) {
                QuantDelta d = c.quant().get(q);
                row.add(d == null ? Format.NONE : Format.delta(d.deltaOod())
                        + (d.oodCi().available() ? "±" + Format.fixed((d.oodCi().hi() - d.oodCi().lo()) / 2, 3) : ""));
            }
            row.add(status(c));
            rows.add(row);
            unusable.add(!c.usable());
        }
        return new Table(header, rows, unusable);
    }

    static String status(CheckpointSummary c) {
        if (!c.usable()) {
            return "FAILED: all " + c.units() + " units";
        }
        return c.failedUnits() == 0 ? "ok" : c.failedUnits() + " of " + c.units() + " units failed";
    }
}
