package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.report.Report;
import dev.overtune.report.ReportSummary;
import dev.overtune.scan.ResultStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Analyses a scan store: prints the table and findings, writes results.csv, results.json, PNG plots and report.html.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STORE", description = "The SQLite store a scan wrote.")
    Path store;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the report.")
    Path out;

    @Mixin
    FormatOption output;

    @Override
    public Integer call() {
        try (ResultStore results = ResultStore.read(store)) {
            ReportSummary summary = Report.write(results, out);
            if (output.json()) {
                ObjectNode o = new ObjectMapper().createObjectNode().put("html", summary.html().toString())
                        .put("json", summary.json().toString()).put("csv", summary.csv().toString());
                ArrayNode plots = o.putArray("plots");
                summary.plots().forEach(p -> plots.add(p.toString()));
                System.out.println(o);
            } else {
                System.out.print(Report.table(summary.analysis()));
                System.out.printf("%nwrote %s (open it in a browser), %s, %s and %d plots%n", summary.html(), summary.json().getFileName(),
                        summary.csv().getFileName(), summary.plots().size());
                Report.plotsUnavailable().ifPresent(why -> System.err.println("overtune: " + why));
            }
        }
        return ExitCodes.OK;
    }
}
