package dev.overtune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The bundle's files exist, its manifest describes them, and ONNX's own checker accepts both graphs of every family. */
class TrainingArtifactsTest {
    /** Debian's python3-onnx; .ci/run installs it. */
    static final String PYTHON = "/usr/bin/python3";

    @Test
    void bundlePassesOnnxFullCheck(@TempDir Path dir) throws Exception {
        LanguageModel model = ModelConfigs.resolve("tiny");
        ObjectNode manifest = TrainingArtifacts.write(model, 2, 16, dir);

        assertEquals(model.params().size(), manifest.get("parameters").size());
        JsonNode wpe = manifest.get("parameters").get(1);
        assertEquals("transformer.wpe.weight", wpe.get("name").asText());
        assertEquals(0.02, wpe.get("init_std").asDouble(), 0.0);
        assertEquals(17, manifest.get("opset").asInt());
        assertEquals(1 + model.params().size(), manifest.get("train").get("outputs").size());
        assertEquals(TrainingArtifacts.sha256(Files.readAllBytes(dir.resolve("train.onnx"))), manifest.get("train").get("sha256").asText());

        assertOnnxCheckerAccepts(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"neox-tiny", "llama-tiny", "olmo2-tiny", "olmo-tiny", "qwen2-tiny", "mistral-tiny"})
    void otherFamiliesPassOnnxFullCheck(String preset, @TempDir Path dir) throws Exception {
        LanguageModel model = ModelConfigs.resolve(preset);
        ObjectNode manifest = TrainingArtifacts.write(model, 2, 16, dir);
        assertEquals(model.family(), manifest.get("model_type").asText());
        assertOnnxCheckerAccepts(dir);
    }

    static void assertOnnxCheckerAccepts(Path dir) throws IOException, InterruptedException {
        assumeTrue(onnxAvailable(), "python3-onnx is not installed (apt-get install python3-onnx); skipping onnx.checker");
        for (String file : new String[] {"train.onnx", "eval.onnx"}) {
            String script = "import onnx,sys\n"
                    + "m = onnx.load(sys.argv[1])\n"
                    + "onnx.checker.check_model(m, full_check=True)\n"
                    + "bad = [n.domain for n in m.graph.node if n.domain not in ('', 'ai.onnx')]\n"
                    + "assert not bad, bad\n"
                    + "assert m.opset_import[0].version == 17 and m.ir_version == 8\n"
                    + "print('ok', len(m.graph.node))\n";
            Result r = run(PYTHON, "-c", script, dir.resolve(file).toString());
            assertEquals(0, r.code, file + " failed onnx.checker: " + r.output);
            assertTrue(r.output.startsWith("ok"), r.output);
        }
    }

    record Result(int code, String output) {}

    static boolean onnxAvailable() throws IOException, InterruptedException {
        return Files.isExecutable(Path.of(PYTHON)) && run(PYTHON, "-c", "import onnx").code == 0;
    }

    static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        return new Result(p.exitValue(), out.strip());
    }
}
