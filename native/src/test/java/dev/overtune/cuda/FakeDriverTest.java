package dev.overtune.cuda;

import dev.overtune.cuda.driver.Outcome;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The GPU code paths against the checking fake driver (src/test/c, built with cc): every launch's
 * grid, block, argument count and pointer arguments and every GEMM's types, leading dimensions,
 * extents, alignment and overlaps are checked, with nothing executed. Each run is a JVM of its own
 * ({@link FakeDriverRun}), because the driver is chosen once per process by the environment
 * (OVERTUNE_LIBCUDA, OVERTUNE_CUBLAS). The code paths: the GPU test classes (up to their first
 * comparison of numbers, which is garbage here), two training steps and an evaluation of each of
 * the five reference fixtures' models at TF32 and BF16, and a GPT-2-124M training step at BF16;
 * they must give no finding. Deliberate faults made through the bindings must each give one;
 * a failing free or destroy must not stop the rest being released; a driver older than the PTX
 * must fail in one line naming both versions. Skipped, with the reason, without cc or NVRTC.
 */
class FakeDriverTest {
    private static final Pattern COUNT = Pattern.compile("(?m)^fake-run: (\\w+)=(\\d+)$");

    @Test
    void gpuCodePathsGiveNoFinding() throws Exception {
        String out = run("paths", "--with-124m");
        assertEquals(0L, count(out, "findings"), "findings on the real code paths:\n" + findings(out));
        assertTrue(count(out, "launches") > 5_000, "launches checked: " + count(out, "launches"));
        assertTrue(count(out, "gemms") > 1_000, "GEMMs checked: " + count(out, "gemms"));
        assertTrue(count(out, "pointer_arguments") > count(out, "launches"), "pointer arguments checked");
        assertTrue(out.contains("fake-run: 124m: "), "the GPT-2-124M step ran");
        for (String fixture : List.of("gpt2-tiny", "neox-tiny", "neox-sequential-tiny", "llama-tiny", "olmo2-tiny")) {
            assertTrue(out.contains("fake-run: " + fixture + " at BF16: 2 training steps and an evaluation ran"), fixture + " ran");
        }
        assertTrue(!out.contains("fake-run: gpu test error:"), "a GPU test failed on something other than its numbers:\n" + out);
    }

    @Test
    void plantedFaultsAreFoundAndReleaseSurvivesAFailure() throws Exception {
        String out = run("checks");
        for (String planted : List.of("a launch with a pointer past its allocation", "a launch with an argument missing",
                "a launch of 2048 threads per block", "a GEMM whose lda is less than its rows", "a GEMM whose output overruns its allocation",
                "a GEMM writing over its input", "a strided batch whose outputs overlap", "a GEMM on a misaligned matrix")) {
            assertTrue(out.contains("fake-run: planted: " + planted + " -> "), planted + " was not reported:\n" + out);
        }
        assertTrue(out.contains("fake-run: release: CudaProgram.close threw"), out);
        assertTrue(out.contains("fake-run: release: CudaDevice.close threw"), out);
        assertTrue(out.contains("fake-run: older driver: the NVIDIA driver supports CUDA 12.8 but NVRTC 13."), out);
    }

    /**
     * Parameter residency on the CUDA backend: a scan of two checkpoints (base, an anchored fine-tune, 2 γ × 2
     * noise samples, int8 and int4-g32) sends the whole parameter block up once per checkpoint, uploads less
     * than one more block's worth in all besides (batches), and perturbs with one kernel launch per noised
     * tensor and per matrix in every noise and quantisation unit.
     */
    @Test
    void aScanUploadsEachCheckpointOnceAndPerturbsOnTheDevice() throws Exception {
        String out = run("residency");
        assertEquals(0L, count(out, "findings"), "findings on the residency scan:\n" + findings(out));
        long checkpoints = count(out, "residency_checkpoints");
        long block = count(out, "residency_block_bytes");
        assertEquals(checkpoints * 8, count(out, "residency_units"), "every unit ran:\n" + tail(out));
        assertEquals(checkpoints, count(out, "residency_block_uploads"), "whole-block uploads");
        long uploaded = count(out, "residency_upload_bytes");
        assertTrue(uploaded >= checkpoints * block && uploaded < (checkpoints + 1) * block,
                uploaded + " bytes uploaded; " + checkpoints + " blocks of " + block + " and batches expected");
        assertTrue(count(out, "residency_noise_launches_expected") > 0);
        assertEquals(count(out, "residency_noise_launches_expected"), count(out, "residency_noise_launches"), "overtune_add_noise launches");
        assertTrue(count(out, "residency_quantize_launches_expected") > 0);
        assertEquals(count(out, "residency_quantize_launches_expected"), count(out, "residency_quantize_launches"), "overtune_quantize_rtn launches");
        assertTrue(count(out, "residency_device_copies") > 0, "base to working copy on the device");
    }

    /** Runs FakeDriverRun in a JVM pointed at the fake; its output, after requiring exit 0. */
    private static String run(String... args) throws IOException, InterruptedException {
        Outcome<FakeCuda.Setup> setup = FakeCuda.setup();
        assumeTrue(setup.available(), setup.available() ? "" : setup.reason());
        FakeCuda.Setup fake = setup.orElseThrow();
        Path dir = fake.libcuda().getParent();
        Path log = Files.createTempFile(dir, "run-" + args[0] + "-", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx3g", "-cp", System.getProperty("java.class.path")));
        for (String property : List.of("overtune.reference.fixtures", "overtune.build.dir", "overtune.cuda.sources", "overtune.cuda.harness")) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.add(FakeDriverRun.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.putAll(fake.environment(dir.resolve("cache"), dir.resolve("report.txt")));
        Process p = pb.start();
        boolean finished = p.waitFor(15, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(log);
        System.out.println(out.lines().filter(l -> l.startsWith("fake-run: ") || l.startsWith("fake-cuda: ") || l.startsWith("overtune: "))
                .reduce("", (a, b) -> a + b + "\n"));
        assumeTrue(p.exitValue() != 3 || !out.contains("fake-run: no device under the fake: NVRTC"),
                () -> "no NVRTC to compile with (no local nvidia-cuda-nvrtc wheel either): " + out.strip());
        assertTrue(finished, "FakeDriverRun " + String.join(" ", args) + " did not finish in 15 minutes; its log: " + log);
        assertEquals(0, p.exitValue(), "FakeDriverRun " + String.join(" ", args) + " failed; its log (" + log + "):\n" + tail(out));
        return out;
    }

    private static long count(String out, String kind) {
        Matcher m = COUNT.matcher(out);
        while (m.find()) {
            if (m.group(1).equals(kind)) {
                return Long.parseLong(m.group(2));
            }
        }
        throw new AssertionError("no count of " + kind + " in:\n" + tail(out));
    }

    private static String findings(String out) {
        return String.join("\n", out.lines().filter(l -> l.startsWith("fake-run: finding:") || l.startsWith("fake-cuda: finding:")).toList());
    }

    private static String tail(String out) {
        List<String> lines = out.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
