package dev.overtune.cuda;

import dev.overtune.cuda.driver.CuResult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device objects' messages and choices that need no GPU (the bindings' own: driver.CudaExceptionTest). */
class DeviceMessagesTest {
    @Test
    void outOfMemorySaysWhatWasAskedWhatIsFreeAndWhatToLower() {
        String m = OutOfDeviceMemoryException.message("optimizer state", 3L << 30, 512L << 20, 80L << 30, CudaDevice.LOWER_MEMORY_HINT);
        assertEquals("out of GPU memory allocating optimizer state: asked 3.0 GiB (3221225472 bytes), cuMemGetInfo reports 512.0 MiB free of 80.0 GiB; "
                + "lower --batch (sequences per step) or --seq-len, or free the GPU (nvidia-smi lists the processes holding it)", m);
        assertTrue(OutOfDeviceMemoryException.message("x", 10, -1, -1, "lower y").contains("cuMemGetInfo could not say how much is free"));
        OutOfDeviceMemoryException e = new OutOfDeviceMemoryException("x", 10, 5, 20, "lower y");
        assertEquals(CuResult.CUDA_ERROR_OUT_OF_MEMORY, e.status());
        assertEquals("cuMemAlloc_v2", e.call());
    }

    @Test
    void ptxArchitectureIsTheNewestTheDeviceReaches() {
        assertEquals(90, KernelModule.ptxArchitecture(90).orElseThrow());
        assertEquals(90, KernelModule.ptxArchitecture(120).orElseThrow());
        assertEquals(80, KernelModule.ptxArchitecture(89).orElseThrow());
        assertTrue(KernelModule.ptxArchitecture(75).isEmpty());
    }
}
