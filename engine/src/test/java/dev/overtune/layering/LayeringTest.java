package dev.overtune.layering;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The floors hold in the code as it is, and the scan sees each kind of break in code made to break them. */
class LayeringTest {
    /** The repository root: Surefire runs in the engine module's directory. */
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void engineCliAndBenchKeepTheirFloors() {
        ImportScan scan = ImportScan.of(ROOT, "engine", "native", "cli", "bench");
        assertTrue(scan.packages().contains("dev.overtune.scan") && scan.packages().contains("dev.overtune.cli"),
                "the scan read the sources: " + scan.packages());
        List<String> violations = Layering.overtune().violations(scan);
        assertEquals(List.of(), violations, String.join("\n", violations));
    }

    @Test
    void everyEnginePackageHasAFloorAndNoFloorNamesAMissingPackage() {
        ImportScan scan = ImportScan.of(ROOT, "engine");
        assertEquals(new java.util.TreeSet<>(Layering.ENGINE_FLOORS.keySet()), scan.packages());
    }

    @Test
    void anImportFromALowerFloorToAHigherOneIsFound(@TempDir Path dir) throws IOException {
        source(dir, "engine", "dev.overtune.model", "Gpt", "import dev.overtune.scan.ScanPlan;\nclass Gpt { ScanPlan p; }");
        source(dir, "engine", "dev.overtune.scan", "ScanPlan", "class ScanPlan {}");
        List<String> v = Layering.overtune().violations(ImportScan.of(dir, "engine"));
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.getFirst().contains("dev.overtune.model (floor 3) uses dev.overtune.scan (floor 8)")
                && v.getFirst().contains("Gpt.java"), v.getFirst());
    }

    @Test
    void aFullyQualifiedNameCountsAsAnImportButAMentionInACommentOrStringDoesNot(@TempDir Path dir) throws IOException {
        source(dir, "engine", "dev.overtune.tensor", "Shape",
                "/** see {@link dev.overtune.report.Report} */\nclass Shape { String s = \"dev.overtune.scan.Scan\"; Object o = dev.overtune.graph.Graph.class; }");
        source(dir, "engine", "dev.overtune.graph", "Graph", "class Graph {}");
        source(dir, "engine", "dev.overtune.report", "Report", "class Report {}");
        source(dir, "engine", "dev.overtune.scan", "Scan", "class Scan {}");
        List<String> v = Layering.overtune().violations(ImportScan.of(dir, "engine"));
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.getFirst().startsWith("dev.overtune.tensor (floor 0) uses dev.overtune.graph (floor 1)"), v.getFirst());
    }

    @Test
    void aCycleIsFoundEvenOnOneFloor(@TempDir Path dir) throws IOException {
        Layering flat = new Layering(Map.of("dev.overtune.a", 1, "dev.overtune.b", 1, "dev.overtune.c", 1));
        source(dir, "engine", "dev.overtune.a", "A", "import dev.overtune.b.B;\nclass A {}");
        source(dir, "engine", "dev.overtune.b", "B", "import dev.overtune.c.C;\nclass B {}");
        source(dir, "engine", "dev.overtune.c", "C", "import static dev.overtune.a.A.f;\nclass C {}");
        assertEquals(List.of("package cycle: dev.overtune.a -> dev.overtune.b -> dev.overtune.c -> dev.overtune.a"),
                flat.violations(ImportScan.of(dir, "engine")));
    }

    @Test
    void engineUsingNativeOrTheCliIsFound(@TempDir Path dir) throws IOException {
        source(dir, "engine", "dev.overtune.backend", "Backends", "import dev.overtune.cuda.CudaDevice;\nclass Backends {}");
        source(dir, "native", "dev.overtune.cuda", "CudaDevice", "class CudaDevice {}");
        source(dir, "engine", "dev.overtune.report", "Report", "class Report { Object o = dev.overtune.cli.Main.class; }");
        source(dir, "cli", "dev.overtune.cli", "Main", "class Main {}");
        List<String> v = Layering.overtune().violations(ImportScan.of(dir, "engine", "native", "cli"));
        assertEquals(2, v.size(), v.toString());
        assertTrue(v.get(0).contains("dev.overtune.backend uses dev.overtune.cuda (native): engine must not use native"), v.get(0));
        assertTrue(v.get(1).contains("dev.overtune.report uses dev.overtune.cli (cli): engine must not use cli"), v.get(1));
    }

    @Test
    void aNewEnginePackageWithoutAFloorIsFound(@TempDir Path dir) throws IOException {
        source(dir, "engine", "dev.overtune.newstage", "Stage", "class Stage {}");
        assertEquals(List.of("dev.overtune.newstage (engine) has no floor: add it to Layering.ENGINE_FLOORS and ARCHITECTURE.md"),
                Layering.overtune().violations(ImportScan.of(dir, "engine")));
    }

    private static void source(Path root, String module, String pkg, String type, String body) throws IOException {
        Path dir = root.resolve(module).resolve("src/main/java").resolve(pkg.replace('.', '/'));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(type + ".java"), "package " + pkg + ";\n\n" + body + "\n");
    }
}
