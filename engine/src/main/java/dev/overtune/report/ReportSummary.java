package dev.overtune.report;

import dev.overtune.findings.ScanAnalysis;

import java.nio.file.Path;
import java.util.List;

/** What {@link Report#write} wrote, and the analysis it wrote from. */
public record ReportSummary(Path dir, Path csv, Path json, Path html, List<Path> plots, List<Path> svgs, ScanAnalysis analysis) {
    public ReportSummary {
        plots = List.copyOf(plots);
        svgs = List.copyOf(svgs);
    }
}
