package dev.overtune.cuda.driver;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** cuBLAS loads without a GPU; creating a handle then fails, and must fail as a named CudaException. */
class CublasTest {
    @Test
    void withoutAGpuCreatingAHandleIsANamedError() {
        Outcome<Cublas> cublas = Cublas.load();
        assumeTrue(cublas.available(), "no cuBLAS: " + cublas.reason());
        assumeFalse(CudaAvailability.check().available(), "a GPU is present: CudaDeviceGpuTest covers cuBLAS there");
        CudaException e = assertThrows(CudaException.class, () -> cublas.orElseThrow().create());
        assertEquals("cublasCreate_v2", e.call());
        assertEquals(Cublas.CUBLAS_STATUS_NOT_INITIALIZED, e.status());
        assertTrue(e.getMessage().startsWith("cublasCreate_v2: CUBLAS_STATUS_NOT_INITIALIZED (1)"), e.getMessage());
        System.out.println("cuBLAS without a GPU: " + e.getMessage());
    }

    @Test
    void precisionsUseTheDocumentedTypes() {
        assertEquals(Cublas.CUBLAS_COMPUTE_32F_FAST_TF32, Cublas.Precision.TF32.computeType);
        assertEquals(Cublas.CUDA_R_32F, Cublas.Precision.TF32.inputType);
        assertEquals(Cublas.CUDA_R_16BF, Cublas.Precision.BF16.inputType);
        assertEquals(Cublas.CUBLAS_COMPUTE_32F, Cublas.Precision.BF16.computeType);
        assertEquals(Cublas.CUDA_R_32F, Cublas.Precision.BF16.outputType);
        assertEquals(2, Cublas.Precision.BF16.inputBytes());
    }
}
