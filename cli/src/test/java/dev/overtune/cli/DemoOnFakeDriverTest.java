package dev.overtune.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
 * The quick demo with {@code --backend cuda} against the checking fake driver that the native
 * module's FakeDriverTest builds (native/target/fake-cuda: libcuda.so.1 and libcublas.so.13 that
 * check every launch and GEMM and run nothing): pre-training and the scan's fine-tunes and
 * evaluations go through the CUDA backend, and the fake must find no fault in any call. Its numbers
 * are garbage (nothing runs), so none is compared. A JVM of its own, because the driver is chosen
 * once per process by the environment. Skipped, saying why, where the fake was not built (the
 * native module's tests did not run first) or there is no NVRTC for it.
 */
class DemoOnFakeDriverTest {
    private static final Path FAKE = Path.of("../native/target/fake-cuda").toAbsolutePath().normalize();
    private static final Pattern PROCESS = Pattern.compile("(?m)^process \\d+: launches (\\d+) gemms (\\d+) .* findings (\\d+)$");

    @Test
    void quickDemoOnTheCudaBackendGivesNoFinding(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(FAKE.resolve("libcuda.so.1")) && Files.isRegularFile(FAKE.resolve("libcublas.so.13")),
                "no checking fake driver at " + FAKE + " (native's FakeDriverTest builds it; run the native module's tests first)");
        Path report = dir.resolve("fake-report.txt");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "demo", "--quick", "--no-report", "--backend", "cuda", "--out", dir.resolve("demo").toString()));
        Path log = dir.resolve("demo.log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("OVERTUNE_LIBCUDA", FAKE.resolve("libcuda.so.1").toString());
        env.put("OVERTUNE_CUBLAS", FAKE.resolve("libcublas.so.13").toString());
        if (Files.isRegularFile(FAKE.resolve("nvrtc/libnvrtc.so.13"))) {
            env.put("OVERTUNE_NVRTC", FAKE.resolve("nvrtc/libnvrtc.so.13").toString());
        }
        env.put("OVERTUNE_CACHE", FAKE.resolve("cache").toString());
        env.put("FAKE_CUDA_REPORT", report.toString());
        Process p = pb.start();
        boolean finished = p.waitFor(10, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(log);
        assumeTrue(!out.contains("NVRTC (CUDA run-time compiler) not found"), () -> "no NVRTC for the fake driver: " + out.strip());
        assertTrue(finished, "the demo on the fake driver did not finish in 10 minutes; its log: " + log);
        assertEquals(0, p.exitValue(), "the demo on the fake driver failed:\n" + out);
        String counts = Files.readString(report);
        long launches = 0;
        long gemms = 0;
        long findings = 0;
        Matcher m = PROCESS.matcher(counts);
        while (m.find()) {
            launches += Long.parseLong(m.group(1));
            gemms += Long.parseLong(m.group(2));
            findings += Long.parseLong(m.group(3));
        }
        System.out.println("demo on the checking fake driver: " + launches + " launches, " + gemms + " GEMM calls, " + findings + " findings");
        assertEquals(0, findings, "the fake driver's findings:\n" + counts);
        assertTrue(launches > 1000 && gemms > 100, "the demo's GPU work went through the fake: " + counts);
    }
}
