package dev.overtune.report;

import dev.overtune.findings.ScanAnalysis;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The report's figures as PNG files. Kept apart from {@link Report} because it links Java2D: a runtime
 * without java.desktop (the GPU bundle's) must be able to load Report and write everything else.
 */
final class PlotFiles {
    private PlotFiles() {}

    static void write(ScanAnalysis analysis, PlanInfo plan, Path outDir, List<Path> plots, List<HtmlReport.Image> images) throws IOException {
        for (Figures.Figure f : Figures.all(analysis, plan.task())) {
            byte[] png = png(f);
            plots.add(Files.write(outDir.resolve(f.file()), png));
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
