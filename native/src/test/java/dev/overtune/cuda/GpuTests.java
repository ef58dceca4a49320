package dev.overtune.cuda;

import dev.overtune.backends.CudaBackends;
import dev.overtune.cuda.driver.Outcome;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** For tests that need a GPU: the device, or the test skipped with the reason there is none. */
public final class GpuTests {
    private GpuTests() {}

    public static CudaDevice deviceOrSkip() {
        Outcome<CudaDevice> device = CudaBackends.open();
        assumeTrue(device.available(), "no CUDA device: " + device.reason());
        return device.orElseThrow();
    }
}
