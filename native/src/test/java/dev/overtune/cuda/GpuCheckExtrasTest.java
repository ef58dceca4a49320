package dev.overtune.cuda;

import dev.overtune.backends.CudaBackends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** gpu-check's sections without a GPU: each row says NOT RUN and why; a class with no GPU test fails its row. */
class GpuCheckExtrasTest {
    @Test
    void withoutADeviceEverySectionSaysNotRunAndWhy() {
        assumeFalse(CudaBackends.open().available(), "a CUDA device is here; gpu-check.sh runs these sections");
        for (String test : GpuCheck.GPU_TEST_CLASSES) {
            GpuCheck.Row row = GpuCheck.tests(test);
            assertEquals("NOT RUN", row.status(), test);
            assertTrue(row.detail().startsWith("no CUDA device: "), row.detail());
        }
        GpuCheck.Row gpt2 = GpuCheck.gpt2Throughput();
        assertEquals("NOT RUN", gpt2.status());
        assertTrue(gpt2.detail().startsWith("no CUDA device: "), gpt2.detail());
        System.out.println("gpu-check row: GPT-2-124M | " + gpt2.status() + ": " + gpt2.detail());
    }
}
