package dev.overtune.cuda.driver;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaExceptionTest {
    @Test
    void theMessageNamesCallStatusAndText() {
        CudaException e = new CudaException("cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory");
        assertEquals("cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory", e.getMessage());
        assertEquals("cuMemAlloc_v2", e.call());
        assertEquals(2, e.status());
    }

    @Test
    void aMissingOrRedundantDescriptionIsLeftOut() {
        assertEquals("nvrtcCompileProgram: NVRTC_ERROR_COMPILATION (6)",
                new CudaException("nvrtcCompileProgram", 6, "NVRTC_ERROR_COMPILATION", "NVRTC_ERROR_COMPILATION").getMessage());
        assertEquals("cublasCreate_v2: status (1)", new CudaException("cublasCreate_v2", 1, null, "").getMessage());
    }

    @Test
    void messagesAreOneLine() {
        assertFalse(new CudaException("f", 1, "A", "two\nlines").getMessage().contains("\n"));
        assertEquals("a.cu(3): error: x | 1 error detected", Nvrtc.oneLine("\na.cu(3): error: x\n\n  1 error detected\n"));
    }

    @Test
    void bytesForPeople() {
        assertEquals("512 B", Bytes.human(512));
        assertEquals("1.5 KiB", Bytes.human(1536));
        assertEquals("79.6 GiB", Bytes.human(85_468_938_240L));
    }

    @Test
    void statusTablesNameKnownCodesAndNumberUnknownOnes() {
        assertEquals("CUDA_ERROR_NO_DEVICE", CuResult.name(100));
        assertEquals("CUresult 12345", CuResult.name(12345));
        assertEquals("CUBLAS_STATUS_NOT_INITIALIZED", Cublas.statusName(1));
        assertEquals("cublasStatus_t 99", Cublas.statusName(99));
        assertEquals("CUDA_ERROR_NO_DEVICE", CudaAvailability.describe(100));
    }

    @Test
    void outcomesCarryValueOrReason() {
        Outcome<String> missing = Outcome.missing("no GPU");
        assertEquals("no GPU", missing.map(String::length).reason());
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, missing::orElseThrow);
        assertEquals("no GPU", e.getMessage());
        assertEquals(3, Outcome.of("abc").map(String::length).orElseThrow());
        assertEquals("", Outcome.of(1).reason());
        assertThrows(IllegalArgumentException.class, () -> Outcome.missing(" "));
    }

    @Test
    void architectureOptions() {
        assertEquals("--gpu-architecture=compute_90", Nvrtc.architectureOption(90));
        assertEquals("--gpu-architecture=compute_80", Nvrtc.architectureOption(80));
        assertThrows(IllegalArgumentException.class, () -> Nvrtc.architectureOption(9));
    }
}
