package dev.overtune.cuda.driver;

import dev.overtune.cuda.KernelModule;
import dev.overtune.cuda.TestKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * NVRTC needs no GPU, so wherever libnvrtc is installed (or named by OVERTUNE_NVRTC) these run for
 * real: every kernel source compiles at run time, and a broken one fails with NVRTC's log.
 */
class NvrtcTest {
    private static Nvrtc nvrtc;

    @BeforeAll
    static void load() {
        Outcome<Nvrtc> loaded = Nvrtc.load();
        assumeTrue(loaded.available(), "no NVRTC: " + loaded.reason());
        nvrtc = loaded.orElseThrow();
        int[] v = nvrtc.version();
        System.out.println("NVRTC " + v[0] + "." + v[1] + " from " + nvrtc.library());
    }

    @Test
    void everyKernelModuleCompilesAtRunTime() {
        for (KernelModule m : KernelModule.values()) {
            String ptx = nvrtc.compileToPtx(m.fileName(), m.source(), KernelModule.headers(), List.of(Nvrtc.architectureOption(80), "--std=c++17"));
            assertTrue(ptx.contains(".target sm_80"), m.fileName());
            for (String kernel : m.kernels()) {
                assertTrue(ptx.contains(".visible .entry " + kernel + "("), m.fileName() + " lacks " + kernel);
            }
        }
    }

    @Test
    void theTestKernelsCompileAtRunTime() {
        for (TestKernels k : TestKernels.values()) {
            String ptx = nvrtc.compileToPtx(k.fileName(), k.source(), KernelModule.headers(), List.of(Nvrtc.architectureOption(80), "--std=c++17"));
            for (String kernel : k.kernels()) {
                assertTrue(ptx.contains(".visible .entry " + kernel + "("), k.fileName() + " lacks " + kernel);
            }
        }
    }

    @Test
    void hopperPtxToo() {
        String ptx = nvrtc.compileToPtx("noise.cu", KernelModule.NOISE.source(), KernelModule.headers(), List.of(Nvrtc.architectureOption(90)));
        assertTrue(ptx.contains(".target sm_90"));
    }

    @Test
    void aKernelThatFailsToCompileCarriesTheLog() {
        String broken = "extern \"C\" __global__ void broken(float* x) { x[0] = undefined_name; }\n";
        CudaException e = assertThrows(CudaException.class,
                () -> nvrtc.compileToPtx("broken.cu", broken, Map.of(), List.of(Nvrtc.architectureOption(80))));
        assertEquals("nvrtcCompileProgram", e.call());
        assertEquals(Nvrtc.NVRTC_ERROR_COMPILATION, e.status());
        assertTrue(e.getMessage().startsWith("nvrtcCompileProgram: NVRTC_ERROR_COMPILATION (6) compiling broken.cu with ["), e.getMessage());
        assertTrue(e.getMessage().contains("undefined_name"), "the log names the problem: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
        System.out.println("NVRTC failure message: " + e.getMessage());
    }

    @Test
    void aBadOptionIsNamed() {
        CudaException e = assertThrows(CudaException.class,
                () -> nvrtc.compileToPtx("x.cu", "", Map.of(), List.of("--no-such-option")));
        assertEquals(Nvrtc.NVRTC_ERROR_INVALID_OPTION, e.status());
        assertTrue(e.getMessage().contains("NVRTC_ERROR_INVALID_OPTION"), e.getMessage());
    }
}
