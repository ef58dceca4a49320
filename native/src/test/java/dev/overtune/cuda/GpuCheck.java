package dev.overtune.cuda;

import dev.overtune.cuda.exec.CudaBackend;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs every test of the native module (dev.overtune.cuda) in this JVM and prints one table: per
 * test class what passed, failed or was skipped and why, then issue 7's checks that are not tests
 * of this module (through the CUDA executor, the JMH comparison), each MEASURED, FAILED or NOT RUN
 * with the reason, so nothing absent reads as verified. native/gpu-check.sh runs it with the bundle's
 * runtime; exit status 1 when any test failed.
 */
public final class GpuCheck {
    private GpuCheck() {}

    private static final class Row {
        int passed;
        int failed;
        int skipped;
        String note = "";
    }

    /** A row for a check that is not a test of this module: what it is, its status word, and the detail. */
    record Extra(String check, String status, String note) {
        boolean failed() {
            return status.equals("FAILED");
        }
    }

    public static void main(String[] args) {
        Map<String, Row> rows = new LinkedHashMap<>();
        TestExecutionListener listener = new TestExecutionListener() {
            private Row row(TestIdentifier id) {
                String name = id.getSource().filter(ClassSource.class::isInstance).map(s -> ((ClassSource) s).getClassName())
                        .or(() -> id.getParentIdObject().map(Object::toString))
                        .orElse(id.getDisplayName());
                String simple = name.replaceAll(".*class:dev\\.overtune\\.cuda\\.([A-Za-z0-9_$.]+).*", "$1").replace("dev.overtune.cuda.", "");
                return rows.computeIfAbsent(simple, k -> new Row());
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                Row r = row(id);
                r.skipped++;
                if (r.note.isEmpty()) {
                    r.note = "skipped: " + reason;
                }
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                Optional<Throwable> thrown = result.getThrowable();
                if (!id.isTest()) {
                    if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                        Row r = row(id);
                        r.skipped++;
                        r.note = "skipped: " + thrown.map(Throwable::getMessage).orElse("aborted");
                    } else if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                        Row r = row(id);
                        r.failed++;
                        r.note = "FAILED: " + thrown.map(Throwable::toString).orElse("?");
                    }
                    return;
                }
                Row r = row(id);
                switch (result.getStatus()) {
                    case SUCCESSFUL -> r.passed++;
                    case ABORTED -> {
                        r.skipped++;
                        if (r.note.isEmpty()) {
                            r.note = "skipped: " + thrown.map(Throwable::getMessage).orElse("aborted");
                        }
                    }
                    case FAILED -> {
                        r.failed++;
                        r.note = "FAILED " + id.getDisplayName() + ": " + thrown.map(Throwable::getMessage).orElse("?");
                    }
                }
            }
        };
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectPackage("dev.overtune.cuda")).build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, listener);

        int failed = 0;
        System.out.println();
        System.out.println("| check | passed | failed | skipped | note |");
        System.out.println("|---|---|---|---|---|");
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row r = e.getValue();
            failed += r.failed;
            System.out.printf("| %s | %d | %d | %d | %s |%n", e.getKey(), r.passed, r.failed, r.skipped, oneLine(r.note));
        }
        for (Extra extra : extraChecks(rows)) {
            failed += extra.failed() ? 1 : 0;
            System.out.printf("| %s | - | - | - | %s: %s |%n", extra.check(), extra.status(), oneLine(extra.note()));
        }
        int ran = rows.values().stream().mapToInt(r -> r.passed + r.failed + r.skipped).sum();
        if (ran == 0) {
            System.out.println("gpu-check: no test was found on the class path, so nothing was checked");
            System.exit(1);
        }
        System.exit(failed == 0 ? 0 : 1);
    }

    /** The checks of issue 7 beyond this module's tests: the fixtures via the executor, the demo scan, 124M, JMH. */
    static List<Extra> extraChecks(Map<String, Row> rows) {
        return List.of(
                fixtures(rows.get("exec.CudaBackendGpuTest")),
                summary("demo scan on GPU vs CPU", "overtune.gpucheck.demo",
                        "not started by native/gpu-check.sh (it runs the quick demo on both backends and compare-stores)"),
                gpt2Throughput(),
                jcudaComparison());
    }

    /** The reference fixtures through CudaBackend vs ONNX Runtime are exec.CudaBackendGpuTest: its row, restated. */
    private static Extra fixtures(Row row) {
        String check = "reference fixtures through CudaBackend vs CPU";
        if (row == null) {
            return new Extra(check, "NOT RUN", "exec.CudaBackendGpuTest was not found on the class path");
        }
        if (row.failed > 0) {
            return new Extra(check, "FAILED", row.note);
        }
        if (row.passed == 0) {
            return new Extra(check, "NOT RUN", row.note.isEmpty() ? "exec.CudaBackendGpuTest ran nothing" : row.note);
        }
        return new Extra(check, "PASSED", row.passed + " tests of exec.CudaBackendGpuTest (the fixtures' train graphs at FP32 and BF16, TF32)");
    }

    private static Extra gpt2Throughput() {
        String check = "GPT-2-124M step throughput and MFU";
        Outcome<CudaDevice> device = CudaBackends.open();
        if (!device.available()) {
            return new Extra(check, "NOT RUN", "no CUDA device: " + device.reason());
        }
        // The backend owns the device and closes it.
        try (CudaBackend cuda = new CudaBackend(device.orElseThrow(), Cublas.Precision.BF16)) {
            return new Extra(check, "MEASURED", cuda.device().name() + ": " + Gpt2StepThroughput.measure(cuda).describe());
        } catch (RuntimeException e) {
            return new Extra(check, "FAILED", e.toString());
        }
    }

    /** gpu-check.sh runs CudaCallMain (bench/) first and names its one-line summary in overtune.gpucheck.jcuda. */
    private static Extra jcudaComparison() {
        return summary("FFM vs JCuda call overhead (JMH)", "overtune.gpucheck.jcuda",
                "not started by native/gpu-check.sh (it runs bench's CudaCallMain and passes its summary)");
    }

    /** A check gpu-check.sh ran before this table: its one-line "STATUS<TAB>detail" file, named by a property. */
    private static Extra summary(String check, String property, String whenAbsent) {
        String file = System.getProperty(property);
        if (file == null) {
            return new Extra(check, "NOT RUN", whenAbsent);
        }
        try {
            String[] line = java.nio.file.Files.readString(java.nio.file.Path.of(file)).strip().split("\t", 2);
            return new Extra(check, line[0], line.length > 1 ? line[1] : "");
        } catch (java.io.IOException e) {
            return new Extra(check, "NOT RUN", "no summary at " + file + " (" + e.getMessage() + "); see gpu-check's output above");
        }
    }

    private static String oneLine(String s) {
        String line = s.replace('\n', ' ').replace('|', '/').strip();
        return line.length() > 220 ? line.substring(0, 217) + "..." : line;
    }
}
