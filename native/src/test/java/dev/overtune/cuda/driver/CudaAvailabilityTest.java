package dev.overtune.cuda.driver;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaAvailabilityTest {
    @Test
    void missingDriverIsAReasonNotACrash() {
        CudaAvailability.Result r = CudaAvailability.check(List.of("libovertune-no-such-driver.so.1"));
        assertFalse(r.available());
        assertEquals(0, r.deviceCount());
        assertTrue(r.reason().contains("libovertune-no-such-driver.so.1") && r.reason().contains("CPU backend"), r.reason());
    }

    @Test
    void aLibraryWithoutTheDriverSymbolsIsNamed() {
        CudaAvailability.Result r = CudaAvailability.check(List.of("libc.so.6"));
        assertFalse(r.available());
        assertTrue(r.reason().contains("libc.so.6") && r.reason().contains("cuInit"), r.reason());
    }

    @Test
    void theRealProbeAnswersEitherWay() {
        CudaAvailability.Result r = CudaAvailability.check();
        if (r.available()) {
            assertTrue(r.deviceCount() > 0);
            assertTrue(r.library().startsWith("libcuda"));
        } else {
            assertFalse(r.reason().isBlank(), "an unavailable GPU must come with a reason");
        }
        System.out.println("cuda probe: " + (r.available() ? r.deviceCount() + " device(s) via " + r.library() : r.reason()));
    }
}
