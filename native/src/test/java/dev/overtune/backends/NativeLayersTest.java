package dev.overtune.backends;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * native's floors, read from the import lines of the main sources: bindings at the bottom, then device
 * objects, parameters, training, the graph executor, and backend choice on top; each package imports only
 * those below it (so no cycle), and the engine imports nothing of native.
 */
class NativeLayersTest {
    /** Bottom to top. */
    private static final List<String> FLOORS = List.of("dev.overtune.cuda.driver", "dev.overtune.cuda", "dev.overtune.cuda.params",
            "dev.overtune.cuda.train", "dev.overtune.cuda.exec", "dev.overtune.backends");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?(dev\\.overtune\\.[a-z.]+?)\\.[A-Z]");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");

    @Test
    void eachPackageImportsOnlyTheFloorsBelowIt() throws IOException {
        List<String> wrong = new ArrayList<>();
        int files = 0;
        for (Path f : javaFiles(Path.of("src/main/java"))) {
            String text = Files.readString(f);
            Matcher p = PACKAGE.matcher(text);
            assertTrue(p.find(), f + " has no package line");
            int own = FLOORS.indexOf(p.group(1));
            assertTrue(own >= 0, f + ": package " + p.group(1) + " is on no floor; add it to FLOORS");
            Matcher m = IMPORT.matcher(text);
            while (m.find()) {
                int floor = FLOORS.indexOf(m.group(1));
                if (floor > own) {
                    wrong.add(f.getFileName() + " (" + p.group(1) + ") imports " + m.group(1));
                }
            }
            files++;
        }
        assertTrue(files > 50, files + " files read");
        assertEquals(List.of(), wrong);
    }

    @Test
    void theEngineImportsNothingOfNative() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Path f : javaFiles(Path.of("../engine/src/main/java"))) {
            Matcher m = IMPORT.matcher(Files.readString(f));
            while (m.find()) {
                if (m.group(1).startsWith("dev.overtune.cuda") || m.group(1).equals("dev.overtune.backends")) {
                    wrong.add(f.getFileName() + " imports " + m.group(1));
                }
            }
        }
        assertEquals(List.of(), wrong);
    }

    private static List<Path> javaFiles(Path root) throws IOException {
        assertTrue(Files.isDirectory(root), root.toAbsolutePath() + " is not a directory (the test runs in native/)");
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }
}
