package dev.overtune.cuda.driver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeLibraryTest {
    private static final LibrarySpec FAKE = new LibrarySpec("the test library", "OVERTUNE_TEST_LIB",
            List.of("libovertune-missing.so.13", "libovertune-missing.so.12"), "install the test library");

    private static Path libc() {
        for (String dir : List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib/aarch64-linux-gnu")) {
            Path p = Path.of(dir, "libc.so.6");
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new org.opentest4j.TestAbortedException("no libc.so.6 in the usual directories");
    }

    @Test
    void aMissingLibraryIsOneReasonNamingEverySonameAndWhatToInstall() {
        Outcome<NativeLibrary> r = NativeLibrary.locate(FAKE, Map.of(), List.of(Path.of("/nonexistent-a"), Path.of("/nonexistent-b")));
        assertFalse(r.available());
        String reason = r.reason();
        assertTrue(reason.startsWith("the test library not found"), reason);
        assertTrue(reason.contains("libovertune-missing.so.13, libovertune-missing.so.12"), reason);
        assertTrue(reason.contains("2 directories (/nonexistent-a, /nonexistent-b)"), reason);
        assertTrue(reason.endsWith("install the test library"), reason);
        assertFalse(reason.contains("\n"));
    }

    @Test
    void theRealSpecsNameTheirSonames() {
        for (LibrarySpec spec : List.of(LibrarySpec.DRIVER, LibrarySpec.NVRTC, LibrarySpec.CUBLAS)) {
            LibrarySpec renamed = new LibrarySpec(spec.what(), "OVERTUNE_TEST_UNSET", spec.sonames().stream().map(s -> s + ".absent").toList(), spec.installHint());
            String reason = NativeLibrary.locate(renamed, Map.of(), List.of()).reason();
            assertTrue(reason.contains(spec.sonames().getFirst() + ".absent"), reason);
            assertTrue(reason.contains(spec.overrideVariable()), "the hint names the override variable: " + reason);
        }
        assertEquals(List.of("libnvrtc.so.13", "libnvrtc.so.12"), LibrarySpec.NVRTC.sonames());
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12"), LibrarySpec.CUBLAS.sonames());
        assertEquals("libcuda.so.1", LibrarySpec.DRIVER.sonames().getFirst());
    }

    @Test
    void aLibraryInASearchedDirectoryIsFound(@TempDir Path dir) throws IOException {
        Files.createSymbolicLink(dir.resolve("libovertune-missing.so.12"), libc());
        Outcome<NativeLibrary> r = NativeLibrary.locate(FAKE, Map.of(), List.of(dir));
        assertTrue(r.available(), r.reason());
        NativeLibrary lib = ((Outcome.Available<NativeLibrary>) r).value();
        assertEquals("libovertune-missing.so.12", lib.soname());
        assertEquals(dir.resolve("libovertune-missing.so.12").toString(), lib.location());
        assertTrue(lib.symbols().find("strlen").isPresent());
    }

    @Test
    void anUnloadableFileIsReportedAsSuch(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("libovertune-missing.so.13"), new byte[0]);
        String reason = NativeLibrary.locate(FAKE, Map.of(), List.of(dir)).reason();
        assertTrue(reason.contains("found but could not load " + dir.resolve("libovertune-missing.so.13")), reason);
    }

    @Test
    void theOverrideVariableWinsAndIsCheckedItself(@TempDir Path dir) {
        Outcome<NativeLibrary> ok = NativeLibrary.locate(FAKE, Map.of("OVERTUNE_TEST_LIB", libc().toString()), List.of());
        assertTrue(ok.available(), ok.reason());
        String reason = NativeLibrary.locate(FAKE, Map.of("OVERTUNE_TEST_LIB", dir.resolve("nope.so").toString()), List.of()).reason();
        assertTrue(reason.startsWith("OVERTUNE_TEST_LIB=" + dir.resolve("nope.so") + " names no file"), reason);
    }

    @Test
    void aLibraryWithoutTheSymbolsIsNamedWithWhatItLacks() {
        Outcome<NativeLibrary> libc = NativeLibrary.locate(new LibrarySpec("the NVIDIA driver", "X_UNSET", List.of("libc.so.6"), "-"), Map.of(), List.of());
        assertTrue(libc.available(), libc.reason());
        Binder binder = new Binder(libc);
        assertNotNull(binder.bind(Downcall.of(FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), "strlen")));
        assertNull(binder.bind(Downcall.of(FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), "cuInit")));
        assertNull(binder.bindOptional(Downcall.of(FunctionDescriptor.of(ValueLayout.JAVA_INT), "cuOptionalThing")));
        assertNull(binder.bind(Downcall.of(FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), "cuMemAlloc_v2", "cuMemAlloc")));
        String reason = binder.outcome().reason();
        assertEquals("libc.so.6 lacks cuInit, cuMemAlloc_v2: it is not the NVIDIA driver or is too old for overtune (needs CUDA 12 or newer)", reason);
    }

    @Test
    void aFallbackNameIsUsedWhenThePreferredOneIsAbsent() {
        Outcome<NativeLibrary> libc = NativeLibrary.locate(new LibrarySpec("libc", "X_UNSET", List.of("libc.so.6"), "-"), Map.of(), List.of());
        Binder binder = new Binder(libc);
        assertNotNull(binder.bind(Downcall.of(FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), "strlen_v2_absent", "strlen")));
        assertTrue(binder.outcome().available(), binder.outcome().reason());
    }

    @Test
    void bindingAMissingLibraryGivesItsReason() {
        Binder binder = new Binder(Outcome.missing("no such library here"));
        assertNull(binder.bind(Downcall.of(FunctionDescriptor.of(ValueLayout.JAVA_INT), "cuInit")));
        assertEquals("no such library here", binder.outcome().reason());
    }
}
