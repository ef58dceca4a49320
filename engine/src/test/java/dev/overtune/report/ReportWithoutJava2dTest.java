package dev.overtune.report;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GPU bundle's runtime has no java.desktop. Report must still load there and write the tables, CSV,
 * JSON and HTML: so the classes it links while verifying may not name Java2D; PlotFiles does, and is only
 * touched where the module exists. (Run by hand on the bundle: 'overtune report' writes all but the PNGs
 * and says why.)
 */
class ReportWithoutJava2dTest {
    private static String constantPool(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void reportLinksNoJava2dAndPlotFilesDoes() throws IOException {
        for (Class<?> c : new Class<?>[] {Report.class, HtmlReport.class, ResultsJson.class, ResultsCsv.class}) {
            String pool = constantPool(c);
            assertFalse(pool.contains("java/awt") || pool.contains("javax/imageio"), c.getSimpleName() + " names Java2D");
        }
        assertTrue(constantPool(PlotFiles.class).contains("javax/imageio"));
    }

    @Test
    void plotsAreAvailableInAFullJdk() {
        assertTrue(Report.plotsUnavailable().isEmpty());
    }
}
