package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.findings.Calibration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Calibrates the report's verdicts by simulation: synthetic scans with a known truth (flat, decreasing, flat with "
                + "checkpoint-to-checkpoint wobble, U-shaped, U-shaped with wobble) across 2, 3, 5 seeds and 3, 5, 8 checkpoints, each "
                + "analysed exactly as 'overtune report' analyses a store; prints how often the report calls a finding significant "
                + "(false-positive rate under the nulls, power under the U) with its Monte-Carlo error."})
final class CalibrateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--scans", defaultValue = "1000", paramLabel = "N", description = "Synthetic scans per cell (default: ${DEFAULT-VALUE}).")
    int scans;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the simulation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    FormatOption output;

    @Override
    public Integer call() {
        if (scans < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--scans must be at least 1, got " + scans);
        }
        List<Calibration.Cell> cells = Calibration.run(scans, seed);
        PrintStream out = System.out;
        if (output.json()) {
            out.println(json(cells));
            return ExitCodes.OK;
        }
        out.printf("%d synthetic scans per cell (--seed %d), alpha 0.05; each rate ± its Monte-Carlo error sqrt(p(1-p)/N).%n", scans, seed);
        out.println("Null scenarios (the fine-tuned metrics do not rise): every rate is a false-positive rate. U scenarios: power.");
        for (Calibration.Scenario s : Calibration.Scenario.values()) {
            out.printf("  %-14s %s%n", s.label() + ":", s.truth());
        }
        out.println("inflection: the tuned protocol's ID test loss, raw p <= 0.05 and reported significant (after Holm over all the "
                + "report's tests); trend: the noise sensitivity's growth test (null everywhere), raw p <= 0.05; any finding: the "
                + "report prints at least one significant finding (family-wise).");
        out.println();
        out.print(Calibration.table(cells));
        return ExitCodes.OK;
    }

    private String json(List<Calibration.Cell> cells) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("scans", scans);
        root.put("seed", seed);
        root.put("alpha", 0.05);
        ArrayNode rows = root.putArray("cells");
        for (Calibration.Cell c : cells) {
            ObjectNode r = rows.addObject();
            r.put("scenario", c.scenario().label());
            r.put("null", c.scenario().isNull());
            r.put("seeds", c.seeds());
            r.put("checkpoints", c.checkpoints());
            r.put("tests", c.tests());
            rate(r.putObject("inflection_p_le_alpha"), c.inflectionTest());
            rate(r.putObject("inflection_reported"), c.inflectionShown());
            rate(r.putObject("trend_p_le_alpha"), c.trendTest());
            rate(r.putObject("any_finding_reported"), c.anyShown());
        }
        return JsonOutput.line(root);
    }

    private static void rate(ObjectNode o, Calibration.Rate r) {
        o.put("rate", r.value());
        o.put("mc_error", r.mcError());
        o.put("hits", r.hits());
    }
}
