package dev.overtune.report;

import dev.overtune.findings.ScanAnalysis;

import java.nio.file.Path;
import java.util.List;

/** What {@link Report#write} wrote, and the analysis it wrote from. */
public record ReportSummary(Path dir, Path csv, Path json, Path html, List<Path> plots, ScanAnalysis analysis) {
    public ReportSummary {
        plots = List.copyOf(plots);
    }
}
