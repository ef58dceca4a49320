package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.series.CheckpointDigest;
import dev.overtune.series.CheckpointSeries;
import dev.overtune.series.Finding;
import dev.overtune.series.SeriesCheckpoint;
import dev.overtune.series.SeriesVerifier;
import dev.overtune.series.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Checks a checkpoint series before a scan trusts it: SHA-256 of every weight file, byte-identical checkpoints, "
                + "identical weights under different names, steps missing from the step grid, token counts that do not grow with "
                + "the step, hashes that differ from series.json, and checkpoints that cannot be loaded.",
                "Checkpoints come from SERIES/series.json if present, else from the revisions of a Hugging Face cache directory "
                        + "(models--ORG--NAME: refs/step1000 naming snapshots/<commit>), else from subdirectories named step1000, "
                        + "stage1-step1000-tokens4B or checkpoint-1000.",
                "Exit 0 when clean, 3 when anything is wrong."})
final class VerifyCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SHOWN_HEX = 16;

    @Parameters(index = "0", paramLabel = "SERIES", description = "The directory that holds the series' checkpoints.")
    Path series;

    @Option(names = "--tokens-per-step", paramLabel = "N",
            description = "Pre-training tokens per optimizer step, for series whose names give only the step (Pythia: 2097152).")
    Long tokensPerStep;

    @Mixin
    FormatOption output;

    @Override
    public Integer call() {
        if (tokensPerStep != null) {
            Options.requirePositive("--tokens-per-step", tokensPerStep);
        }
        CheckpointSeries s = CheckpointSeries.discover(series, tokensPerStep == null ? OptionalLong.empty() : OptionalLong.of(tokensPerStep));
        PrintStream out = System.out;
        VerifyReport report;
        int total = s.checkpoints().size();
        ProgressBar bar = ProgressBar.afterAWhile(System.err, "verify");
        int[] done = {0};
        if (output.json()) {
            try {
                report = SeriesVerifier.verify(s, (c, d) -> bar.update(++done[0], total, c.name()));
            } finally {
                bar.close();
            }
            out.println(JsonOutput.line(json(report)));
        } else {
            int nameWidth = Math.max("checkpoint".length(), s.checkpoints().stream().mapToInt(c -> c.name().length()).max().orElse(0));
            String row = "%-" + nameWidth + "s  %10s  %9s  %11s  %7s  %-" + SHOWN_HEX + "s  %-" + SHOWN_HEX + "s  %s%n";
            out.printf("series %s (%s): %s from %s%n", s.name(), s.directory(), Counts.of(s.checkpoints().size(), "checkpoint"), s.source());
            out.printf(row, "checkpoint", "step", "tokens", "size", "tensors", "file sha256", "weights sha256", "status");
            report = SeriesVerifier.verify(s, (c, d) -> {
                bar.clear();
                out.printf(row, c.name(), c.step().isPresent() ? String.valueOf(c.step().getAsLong()) : "-",
                        c.tokens().isPresent() ? Counts.tokens(c.tokens().getAsLong()) : "-", Counts.bytes(d.weightBytes()),
                        d.readable() ? String.valueOf(d.tensors()) : "-", fileHash(d), d.weightsSha256().map(VerifyCommand::shorten).orElse("-"),
                        d.readable() ? "ok" : "UNREADABLE");
                out.flush();
                bar.update(++done[0], total, c.name());
            });
            bar.close();
            if (report.clean()) {
                out.printf("clean: %s, no findings%n", Counts.of(report.digests().size(), "checkpoint"));
            } else {
                out.printf("%s:%n", Counts.of(report.findings().size(), "finding"));
                for (Finding f : report.findings()) {
                    out.printf("  %-21s  %s%n", f.kind().label(), f.message());
                }
            }
        }
        if (report.clean()) {
            return ExitCodes.OK;
        }
        System.err.printf("overtune: %s: %s in %s (%s)%n", series, Counts.of(report.findings().size(), "finding"),
                Counts.of(report.digests().size(), "checkpoint"), output.json() ? "see \"findings\" in the output" : "listed above");
        return ExitCodes.BAD_INPUT;
    }

    private static String fileHash(CheckpointDigest d) {
        return switch (d.weightFiles().size()) {
            case 0 -> "-";
            case 1 -> shorten(d.weightFiles().values().iterator().next());
            default -> d.weightFiles().size() + " files";
        };
    }

    private static String shorten(String hex) {
        return hex.substring(0, Math.min(SHOWN_HEX, hex.length()));
    }

    static ObjectNode json(VerifyReport report) {
        CheckpointSeries s = report.series();
        ObjectNode root = JSON.createObjectNode().put("series", s.directory().toString()).put("name", s.name()).put("source", s.source())
                .put("clean", report.clean());
        ArrayNode checkpoints = root.putArray("checkpoints");
        for (int i = 0; i < s.checkpoints().size(); i++) {
            SeriesCheckpoint c = s.checkpoints().get(i);
            CheckpointDigest d = report.digests().get(i);
            ObjectNode o = checkpoints.addObject().put("name", c.name()).put("directory", c.directory().toString());
            putOptional(o, "step", c.step());
            putOptional(o, "tokens", c.tokens());
            o.put("readable", d.readable()).put("weight_bytes", d.weightBytes()).put("tensors", d.tensors());
            o.put("weights_sha256", d.weightsSha256().orElse(null));
            ObjectNode files = o.putObject("sha256");
            d.allFiles().forEach(files::put);
        }
        ArrayNode findings = root.putArray("findings");
        for (Finding f : report.findings()) {
            ObjectNode o = findings.addObject().put("kind", f.kind().label());
            f.checkpoints().forEach(o.putArray("checkpoints")::add);
            o.put("message", f.message());
        }
        return root;
    }

    private static void putOptional(ObjectNode o, String field, OptionalLong v) {
        if (v.isPresent()) {
            o.put(field, v.getAsLong());
        } else {
            o.putNull(field);
        }
    }
}
