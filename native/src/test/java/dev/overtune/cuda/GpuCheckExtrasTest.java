package dev.overtune.cuda;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** gpu-check's rows for checks that need the CUDA executor: NOT RUN with the reason while it is absent. */
class GpuCheckExtrasTest {
    @Test
    void withoutTheExecutorEveryExecutorCheckSaysNotRunAndWhy() {
        assumeTrue(CudaBackendLookup.absence() != null, "a CudaBackend is on the class path; gpu-check runs its checks");
        List<GpuCheck.Extra> rows = GpuCheck.extraChecks();
        assertEquals(List.of("reference fixtures through CudaBackend vs CPU", "demo scan on GPU vs CPU", "GPT-2-124M step throughput and MFU",
                "FFM vs JCuda call overhead (JMH)"), rows.stream().map(GpuCheck.Extra::check).toList());
        for (GpuCheck.Extra row : rows) {
            if (!row.check().contains("JCuda")) { // the JMH row depends on the benchmark, not on the executor
                assertEquals("NOT RUN", row.status(), row.check());
            }
            assertFalse(row.note().isBlank(), row.check());
            System.out.println("gpu-check row: " + row.check() + " | " + row.status() + ": " + row.note());
        }
    }
}
