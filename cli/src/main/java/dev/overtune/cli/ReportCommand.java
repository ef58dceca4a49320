package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.report.Report;
import dev.overtune.report.ReportSummary;
import dev.overtune.scan.ResultStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Analyses a scan store: prints the table and findings, writes results.csv, results.json, PNG plots and report.html.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STORE", description = "The SQLite store a scan wrote.")
    Path store;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the report.")
    Path out;

    @Option(names = "--format", defaultValue = "text",
            description = "text, json, or lm-eval: also write lm-evaluation-harness results files, one per model the scan "
                    + "evaluated, under DIR/lm-eval/ (default: ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() {
        if (!List.of("text", "json", "lm-eval").contains(format)) {
            throw new Options.FlagValueException("--format '" + format + "': use text, json or lm-eval");
        }
        try (ResultStore results = ResultStore.read(store)) {
            ReportSummary summary = Report.write(results, out);
            if (format.equals("lm-eval")) {
                List<Path> files = Report.writeLmEval(results, out);
                System.out.print(Report.table(summary.analysis()));
                System.out.printf("%nwrote %s, %s, %s and %d lm-eval results files under %s%n", summary.html(), summary.json().getFileName(),
                        summary.csv().getFileName(), files.size(), out.resolve("lm-eval"));
            } else if (format.equals("json")) {
                ObjectNode o = new ObjectMapper().createObjectNode().put("html", summary.html().toString())
                        .put("json", summary.json().toString()).put("csv", summary.csv().toString());
                ArrayNode plots = o.putArray("plots");
                summary.plots().forEach(p -> plots.add(p.toString()));
                ArrayNode svgs = o.putArray("svgs");
                summary.svgs().forEach(p -> svgs.add(p.toString()));
                System.out.println(JsonOutput.line(o));
            } else {
                System.out.print(Report.table(summary.analysis()));
                System.out.printf("%nwrote %s (open it in a browser), %s, %s and %d plots (PNG and SVG)%n", summary.html(), summary.json().getFileName(),
                        summary.csv().getFileName(), summary.plots().size());
                Report.plotsUnavailable().ifPresent(why -> System.err.println("overtune: " + why));
            }
        }
        return ExitCodes.OK;
    }
}
