package dev.overtune.cuda;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** gpu-check's rows beyond the module's tests: without a GPU and outside gpu-check.sh, each says NOT RUN and why. */
class GpuCheckExtrasTest {
    @Test
    void withoutADeviceEveryCheckSaysNotRunAndWhy() {
        assumeFalse(CudaBackends.open().available(), "a CUDA device is here; gpu-check.sh runs these checks");
        List<GpuCheck.Extra> rows = GpuCheck.extraChecks(Map.of());
        assertEquals(List.of("reference fixtures through CudaBackend vs CPU", "demo scan on GPU vs CPU", "GPT-2-124M step throughput and MFU",
                "FFM vs JCuda call overhead (JMH)"), rows.stream().map(GpuCheck.Extra::check).toList());
        for (GpuCheck.Extra row : rows) {
            assertEquals("NOT RUN", row.status(), row.check());
            assertFalse(row.note().isBlank(), row.check());
            System.out.println("gpu-check row: " + row.check() + " | " + row.status() + ": " + row.note());
        }
    }
}
