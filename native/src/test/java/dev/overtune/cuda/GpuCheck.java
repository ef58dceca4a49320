package dev.overtune.cuda;

import dev.overtune.backends.CudaBackends;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.cuda.driver.Outcome;
import dev.overtune.cuda.exec.CudaBackend;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * One section of native/gpu-check.sh, run in a JVM of its own so that a fault or a hang costs only
 * that section: {@code tests <class>} runs one GPU test class (those tagged {@code gpu}),
 * {@code gpt2} measures GPT-2-124M training steps. Its last line is the section's row,
 * {@code gpu-check-row<TAB>STATUS<TAB>detail}: PASSED, FAILED, MEASURED or NOT RUN with the reason,
 * so nothing absent reads as verified. Under the checking fake driver (tests' src/test/c, for a
 * dry run) results are garbage, so a test class's row says it RAN, with its results marked not
 * meaningful; only failures other than wrong numbers fail it. Exit status 1 when the row is FAILED.
 */
public final class GpuCheck {
    /** The marker gpu-check.sh finds the row by. */
    static final String ROW = "gpu-check-row";
    /** The GPU test classes, one gpu-check section each. */
    static final List<String> GPU_TEST_CLASSES = List.of("CudaDeviceGpuTest", "exec.CudaBackendGpuTest", "train.DeviceTrainingStateGpuTest");

    private GpuCheck() {}

    /** A row of the table: its status word and the detail. */
    record Row(String status, String detail) {
        boolean failed() {
            return status.equals("FAILED");
        }
    }

    public static void main(String[] args) {
        Row row = switch (args.length > 0 ? args[0] : "") {
            case "tests" -> tests(args.length > 1 ? args[1] : "");
            case "gpt2" -> gpt2Throughput();
            default -> new Row("FAILED", "usage: GpuCheck tests <class under dev.overtune.cuda> | gpt2");
        };
        System.out.println(ROW + "\t" + row.status() + "\t" + oneLine(row.detail()));
        System.exit(row.failed() ? 1 : 0);
    }

    /** Whether the device overtune opens is the checking fake driver (a dry run), whose results mean nothing. */
    static boolean underFake(CudaDevice device) {
        return device.name().contains("checking fake");
    }

    /** One GPU test class (simple name under dev.overtune.cuda), its tests counted. */
    static Row tests(String simpleName) {
        Outcome<CudaDevice> device = CudaBackends.open();
        if (!device.available()) {
            return new Row("NOT RUN", "no CUDA device: " + device.reason());
        }
        boolean fake;
        try (CudaDevice d = device.orElseThrow()) {
            fake = underFake(d);
        }
        int[] counts = new int[3];
        List<String> failures = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest()) {
                    if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                        errors.add(id.getDisplayName() + ": " + result.getThrowable().map(Throwable::toString).orElse("?"));
                    }
                    return;
                }
                switch (result.getStatus()) {
                    case SUCCESSFUL -> counts[0]++;
                    case ABORTED -> counts[2]++;
                    case FAILED -> {
                        counts[1]++;
                        Throwable t = result.getThrowable().orElse(null);
                        String what = id.getDisplayName() + ": " + (t == null ? "?" : t instanceof AssertionError ? t.getMessage() : t.toString());
                        (t instanceof AssertionError ? failures : errors).add(what);
                    }
                }
            }
        };
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass("dev.overtune.cuda." + simpleName))
                .filters(TagFilter.includeTags("gpu")).build(), listener);
        String counted = counts[0] + " passed, " + counts[1] + " failed, " + counts[2] + " skipped";
        if (counts[0] + counts[1] + counts[2] == 0 && errors.isEmpty()) {
            return new Row("FAILED", "no test of dev.overtune.cuda." + simpleName + " tagged gpu was found on the class path");
        }
        if (fake) {
            // Wrong numbers are expected from a driver that runs nothing; any other failure is a call it refused.
            return errors.isEmpty()
                    ? new Row("RAN ON FAKE", counted + "; results not meaningful under the checking fake driver (its findings: the last row)")
                    : new Row("FAILED", counted + " under the fake; not about numbers: " + errors.getFirst());
        }
        if (!errors.isEmpty() || !failures.isEmpty()) {
            return new Row("FAILED", counted + "; first: " + (errors.isEmpty() ? failures : errors).getFirst());
        }
        return counts[0] == 0 ? new Row("NOT RUN", counted) : new Row("PASSED", counted);
    }

    static Row gpt2Throughput() {
        Outcome<CudaDevice> device = CudaBackends.open();
        if (!device.available()) {
            return new Row("NOT RUN", "no CUDA device: " + device.reason());
        }
        // The backend owns the device and closes it.
        try (CudaBackend cuda = new CudaBackend(device.orElseThrow(), Cublas.Precision.BF16)) {
            String measured = cuda.device().name() + ": " + Gpt2StepThroughput.measure(cuda).describe();
            return underFake(cuda.device()) ? new Row("RAN ON FAKE", "the step's launches and GEMMs ran; timing not meaningful: " + measured)
                    : new Row("MEASURED", measured);
        } catch (RuntimeException e) {
            return new Row("FAILED", e.toString());
        }
    }

    private static String oneLine(String s) {
        String line = s.replace('\n', ' ').replace('|', '/').replace('\t', ' ').strip();
        return line.length() > 300 ? line.substring(0, 297) + "..." : line;
    }
}
