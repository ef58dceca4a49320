package dev.overtune.report;

import dev.overtune.findings.ScanAnalysis;
import dev.overtune.scan.UnitResult;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The report's figures as PNG and SVG files. Kept apart from {@link Report} because it links Java2D: a runtime
 * without java.desktop (the GPU bundle's) must be able to load Report and write everything else.
 */
final class PlotFiles {
    private PlotFiles() {}

    /** Each figure as a PNG (into plots) and, beside it, as an SVG (into svgs). */
    static void write(ScanAnalysis analysis, PlanInfo plan, List<UnitResult> units, Path outDir, List<Path> plots, List<Path> svgs,
                      List<HtmlReport.Image> images) throws IOException {
        for (Figures.Figure f : Figures.all(analysis, plan.task(), new Figures.Context(plan.parameters(), units))) {
            byte[] png = png(f);
            plots.add(Files.write(outDir.resolve(f.file()), png));
            svgs.add(Files.writeString(outDir.resolve(f.svgFile()), f.svg(), StandardCharsets.UTF_8));
            images.add(new HtmlReport.Image(f, png));
        }
    }

    private static byte[] png(Figures.Figure f) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(f.image(), "png", out)) {
            throw new IOException("no PNG writer in this JDK");
        }
        return out.toByteArray();
    }
}
