package dev.overtune.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overtune.synth.LinearTheory.Alignment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The independent reference, {@code src/test/python/linear_theory.py} (numpy; Debian's python3-numpy,
 * which python3-onnx brings in CI): it rebuilds the same maps as {@link LinearTheory}, and on exact
 * expected losses, with no engine code, confirms the facts {@link LinearTheoryScanTest} asserts of the
 * report for seed 7.
 */
class LinearTheoryReferenceTest {
    static final String PYTHON = "/usr/bin/python3";
    static final Path SCRIPT = Path.of("src/test/python/linear_theory.py");

    @Test
    void referenceBuildsTheSameMapsAndConfirmsTheTheorysFacts(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(Path.of(PYTHON)) && run(PYTHON, "-c", "import numpy").code == 0,
                "python3-numpy is not installed (apt-get install python3-numpy); skipping the linear theory's reference");
        Path maps = tmp.resolve("maps.json");
        Result r = run(PYTHON, SCRIPT.toString(), "--seed", "7", "--dump-maps", maps.toString());
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("the linear theory's facts hold"), r.output);

        JsonNode json = new ObjectMapper().readTree(Files.readString(maps));
        LinearTheory theory = LinearTheory.defaults(7);
        assertSameMap(theory.pretrainMap(), json.get("pretrain"), "A");
        assertSameMap(theory.fineTuneMap(Alignment.MISALIGNED), json.get("misaligned"), "misaligned B");
        assertSameMap(theory.fineTuneMap(Alignment.ALIGNED), json.get("aligned"), "aligned B");
    }

    private static void assertSameMap(double[][] java, JsonNode python, String what) {
        assertEquals(java.length, python.size(), what);
        for (int i = 0; i < java.length; i++) {
            for (int j = 0; j < java[i].length; j++) {
                assertEquals(java[i][j], python.get(i).get(j).asDouble(), 1e-9, what + "[" + i + "][" + j + "]");
            }
        }
    }

    record Result(int code, String output) {}

    static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        return new Result(p.exitValue(), out.strip());
    }
}
