package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.report.Report;
import dev.overtune.report.ReportSummary;
import dev.overtune.scan.PlanCoverage;
import dev.overtune.scan.ScanStore;
import dev.overtune.scan.ScanStores;
import dev.overtune.scan.StoreMerge;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Analyses a scan store: prints the table and findings, writes results.csv, results.json, PNG plots and report.html.",
                "Several stores of one plan (shard stores) are reported as one; every report says how much of the plan it covers."})
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "STORE", description = "The store a scan wrote (a SQLite file or postgresql://HOST[:PORT]/DB), or several stores of one plan.")
    List<String> stores;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the report.")
    Path out;

    // Not FormatOption: the report has a third format, lm-eval.
    @Option(names = "--format", defaultValue = "text",
            description = "text, json, or lm-eval: also write lm-evaluation-harness results files, one per model the scan "
                    + "evaluated, under DIR/lm-eval/ (default: ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() {
        if (!List.of("text", "json", "lm-eval").contains(format)) {
            throw new Options.FlagValueException("--format '" + format + "': use text, json or lm-eval");
        }
        List<ScanStore> open = new ArrayList<>();
        try {
            for (String s : stores) {
                open.add(ScanStores.read(s));
            }
            StoreMerge merged = StoreMerge.of(open);
            PlanCoverage coverage = PlanCoverage.of(merged.planJson(), merged.meta(), merged.units());
            String source = String.join(" + ", stores.stream().map(CompareStoresCommand::shown).toList())
                    + (coverage.complete() ? "" : " (partial: " + coverage.describe() + ")");
            if (!coverage.complete()) {
                System.err.println("report: partial plan: " + coverage.describe() + "; the findings are drawn from these units only");
            }
            ReportSummary summary = Report.write(merged.units(), merged.planJson(), source, out);
            if (format.equals("lm-eval")) {
                List<Path> files = Report.writeLmEval(merged.units(), merged.planJson(), out);
                System.out.print(Report.table(summary.analysis()));
                System.out.printf("%nwrote %s, %s, %s and %d lm-eval results files under %s%n", summary.html(), summary.json().getFileName(),
                        summary.csv().getFileName(), files.size(), out.resolve("lm-eval"));
            } else if (format.equals("json")) {
                ObjectNode o = new ObjectMapper().createObjectNode().put("html", summary.html().toString())
                        .put("json", summary.json().toString()).put("csv", summary.csv().toString())
                        .put("units_stored", coverage.stored()).put("units_in_plan", coverage.planned()).put("coverage", coverage.describe());
                ArrayNode plots = o.putArray("plots");
                summary.plots().forEach(p -> plots.add(p.toString()));
                ArrayNode svgs = o.putArray("svgs");
                summary.svgs().forEach(p -> svgs.add(p.toString()));
                System.out.println(JsonOutput.line(o));
            } else {
                System.out.println((coverage.complete() ? "" : "PARTIAL PLAN: ") + source.replaceFirst(" \\(partial: .*", "") + ": " + coverage.describe());
                System.out.print(Report.table(summary.analysis()));
                System.out.printf("%nwrote %s (open it in a browser), %s, %s and %d plots (PNG and SVG)%n", summary.html(), summary.json().getFileName(),
                        summary.csv().getFileName(), summary.plots().size());
                Report.plotsUnavailable().ifPresent(why -> System.err.println("overtune: " + why));
            }
        } finally {
            open.forEach(ScanStore::close);
        }
        return ExitCodes.OK;
    }
}
