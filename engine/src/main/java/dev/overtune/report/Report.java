package dev.overtune.report;

import dev.overtune.findings.ScanAnalysis;
import dev.overtune.scan.ResultStore;
import dev.overtune.scan.UnitResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The report stage's API: everything {@code overtune report scan.db --out DIR} does is these calls.
 *
 * <pre>{@code
 * try (ResultStore store = ResultStore.read(Path.of("scan.db"))) {
 *     ReportSummary written = Report.write(store, Path.of("report"));   // CSV, JSON, PNGs, HTML
 *     System.out.print(Report.table(written.analysis()));               // the terminal table and findings
 * }
 * }</pre>
 */
public final class Report {
    public static final String CSV = "results.csv";
    public static final String JSON = "results.json";
    public static final String HTML = "report.html";

    private Report() {}

    public static ScanAnalysis analyse(ResultStore store) {
        return ScanAnalysis.of(store.results());
    }

    /** The per-checkpoint table, the findings and the failures, as text for a terminal. */
    public static String table(ScanAnalysis analysis) {
        return TerminalTable.render(analysis);
    }

    public static String table(ResultStore store) {
        return table(analyse(store));
    }

    /** Writes results.csv, results.json, one PNG per figure and report.html into outDir (created if absent). */
    public static ReportSummary write(ResultStore store, Path outDir) {
        return write(store.results(), store.planJson(), store.file().toString(), outDir);
    }

    /**
     * The same from units held elsewhere.
     *
     * @param planJson the scan plan as stored with the results (may be null)
     * @param source   where the units came from, as the report should name it
     */
    public static ReportSummary write(List<UnitResult> results, String planJson, String source, Path outDir) {
        ScanAnalysis analysis = ScanAnalysis.of(results);
        PlanInfo plan = PlanInfo.of(planJson);
        Instant date = Instant.now();
        try {
            Files.createDirectories(outDir);
            Path csv = writeText(outDir.resolve(CSV), ResultsCsv.render(results));
            Path json = writeText(outDir.resolve(JSON), ResultsJson.render(analysis, results, plan, source, date));
            List<Path> plots = new ArrayList<>();
            List<HtmlReport.Image> images = new ArrayList<>();
            if (plotsUnavailable().isEmpty()) {
                PlotFiles.write(analysis, plan, outDir, plots, images);
            }
            Path html = writeText(outDir.resolve(HTML), HtmlReport.render(analysis, plan, source, date, images, results));
            return new ReportSummary(outDir, csv, json, html, plots, analysis);
        } catch (IOException e) {
            throw new UncheckedIOException(outDir + ": cannot write the report (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Why this Java runtime cannot draw the plots, if it cannot: they need Java2D (module java.desktop),
     * which the GPU bundle's runtime leaves out. The tables, CSV, JSON and HTML are written either way.
     */
    public static Optional<String> plotsUnavailable() {
        if (ModuleLayer.boot().findModule("java.desktop").isPresent()) {
            return Optional.empty();
        }
        return Optional.of("no plots: this Java runtime has no java.desktop (Java2D); run 'overtune report STORE' "
                + "where a full JDK is installed to draw them");
    }

    private static Path writeText(Path file, String text) throws IOException {
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
