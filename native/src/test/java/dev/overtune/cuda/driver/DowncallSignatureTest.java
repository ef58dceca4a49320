package dev.overtune.cuda.driver;

import dev.overtune.cuda.FakeCuda;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every FFM downcall's descriptor against its C prototype: arity, each parameter's layout and the
 * return layout. A wrong descriptor binds without complaint and fails (or corrupts) only when it
 * is called on a GPU; this finds it on any machine. cuda.h is parsed at test time; nvrtc.h and
 * cublas_api.h where installed or in a local pip wheel (skipped without them), and always against
 * the prototypes written down in {@link RecordedPrototypes}. Reading the descriptors loads no library.
 */
class DowncallSignatureTest {
    @Test
    void driverDescriptorsMatchCudaH() throws Exception {
        CHeader cuda = CHeader.parse(installed("cuda.h"));
        assertNoMismatches(Driver.Downcalls.class, cuda, "cuda.h");
    }

    @Test
    void nvrtcDescriptorsMatchNvrtcH() throws Exception {
        assertNoMismatches(Nvrtc.Downcalls.class, CHeader.parse(installed("nvrtc.h")), "nvrtc.h");
    }

    @Test
    void cublasDescriptorsMatchCublasApiH() throws Exception {
        String cublas = installed("cublas_api.h");
        assertNoMismatches(Cublas.Downcalls.class, CHeader.parse(installed("driver_types.h"), installed("library_types.h"), cublas), "cublas_api.h");
    }

    @Test
    void nvrtcDescriptorsMatchTheRecordedPrototypes() throws Exception {
        assertNoMismatches(Nvrtc.Downcalls.class, RecordedPrototypes.NVRTC, "the recorded nvrtc.h");
    }

    @Test
    void cublasDescriptorsMatchTheRecordedPrototypes() throws Exception {
        assertNoMismatches(Cublas.Downcalls.class, RecordedPrototypes.CUBLAS, "the recorded cublas_api.h");
    }

    @Test
    void everyHandleIsBuiltFromADeclaredDowncall() {
        for (Class<?> binding : List.of(Driver.class, Nvrtc.class, Cublas.class)) {
            TreeSet<String> handles = new TreeSet<>();
            for (Field f : binding.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == MethodHandle.class) {
                    handles.add(f.getName());
                }
            }
            Class<?> table = Arrays.stream(binding.getDeclaredClasses()).filter(c -> c.getSimpleName().equals("Downcalls")).findFirst().orElseThrow();
            assertEquals(handles, new TreeSet<>(declared(table).keySet()), binding.getSimpleName() + "'s handles and its Downcalls");
        }
    }

    @Test
    void aWrongDescriptorIsReportedPerParameter() {
        CHeader header = CHeader.parse("""
                #if defined(__LP64__)
                typedef unsigned long long CUdeviceptr_v2;
                #else
                typedef unsigned int CUdeviceptr_v2;
                #endif
                typedef CUdeviceptr_v2 CUdeviceptr;
                typedef struct CUstream_st *CUstream;
                typedef enum cudaError_enum { CUDA_SUCCESS = 0 } CUresult;
                typedef struct { int x; } Pair;
                #define CUDAAPI
                #define cuCopy cuCopy_v2
                CUresult CUDAAPI cuCopy(CUdeviceptr dst, unsigned char value, size_t bytes, CUstream stream);
                CUresult CUDAAPI cuPair(Pair p);
                """);
        Map<String, Downcall> bound = new LinkedHashMap<>();
        bound.put("copy", Downcall.of(FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_BYTE, JAVA_LONG, ADDRESS), "cuCopy_v2"));
        bound.put("pair", Downcall.of(FunctionDescriptor.of(JAVA_INT, JAVA_LONG), "cuPair"));
        bound.put("absent", Downcall.of(FunctionDescriptor.ofVoid(), "cuCopy"));
        assertEquals(List.of(
                "cuCopy_v2: parameter 0 (CUdeviceptr) is JAVA_LONG in the header, JAVA_INT in the binding",
                "cuCopy_v2: parameter 1 (unsigned char) is JAVA_INT in the header, JAVA_BYTE in the binding",
                "cuPair: parameter 0 (Pair) has no scalar layout in the header (a by-value struct?), JAVA_LONG in the binding",
                "cuCopy: not declared in the test header"), mismatches(bound, header, "the test header"));
    }

    /** A CUDA header from the toolkit, else (nvrtc.h, cublas_api.h) from the local pip wheel that ships it, never downloaded. */
    private static String installed(String name) throws IOException {
        Optional<Path> dir = HeaderConstantsTest.include();
        assumeTrue(dir.isPresent(), "no CUDA toolkit headers (cuda.h) under CUDA_HOME or /usr/local/cuda");
        Path file = dir.get().resolve(name);
        if (!Files.isRegularFile(file)) {
            Optional<String> fromWheel = fromWheel(name);
            assumeTrue(fromWheel.isPresent(), name + " is not installed in " + dir.get()
                    + " (its library's development package is missing) and no local wheel carries it");
            return fromWheel.get();
        }
        return Files.readString(file);
    }

    private static Optional<String> fromWheel(String header) throws IOException {
        String glob = switch (header) {
            case "nvrtc.h" -> "nvidia_cuda_nvrtc-*.whl";
            case "cublas_api.h" -> "nvidia_cublas-*.whl";
            default -> null;
        };
        Optional<Path> wheel = glob == null ? Optional.empty() : FakeCuda.wheel(glob);
        if (wheel.isEmpty()) {
            return Optional.empty();
        }
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(wheel.get().toFile())) {
            return zip.stream().filter(e -> e.getName().endsWith("/include/" + header)).findFirst().map(e -> {
                try (var in = zip.getInputStream(e)) {
                    return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                } catch (IOException x) {
                    throw new java.io.UncheckedIOException(x);
                }
            });
        }
    }

    private static void assertNoMismatches(Class<?> table, CHeader header, String headerName) throws Exception {
        Map<String, Downcall> bound = declared(table);
        assertTrue(bound.size() >= 7, "read " + bound.size() + " downcalls from " + table.getName());
        assertEquals(List.of(), mismatches(bound, header, headerName));
    }

    /** The Downcall fields of a binding class's table, by field name; reading them initialises only the table. */
    private static Map<String, Downcall> declared(Class<?> table) {
        Map<String, Downcall> bound = new LinkedHashMap<>();
        try {
            for (Field f : table.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == Downcall.class) {
                    f.setAccessible(true);
                    bound.put(f.getName(), (Downcall) f.get(null));
                }
            }
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
        return bound;
    }

    /** One line per disagreement: "symbol: parameter i is X in the header, Y in the binding". */
    static List<String> mismatches(Map<String, Downcall> bound, CHeader header, String headerName) {
        CLayouts layouts = new CLayouts(header.typedefs());
        List<String> wrong = new ArrayList<>();
        for (Downcall d : bound.values()) {
            String symbol = d.symbol();
            CPrototype p = header.prototypes().get(symbol);
            if (p == null) {
                wrong.add(symbol + ": not declared in " + headerName);
                continue;
            }
            List<String> binding = d.descriptor().argumentLayouts().stream().map(CLayouts::name).toList();
            if (binding.size() != p.parameterTypes().size()) {
                wrong.add(symbol + ": " + p.parameterTypes().size() + " parameters in the header " + p.parameterTypes() + ", "
                        + binding.size() + " in the binding " + binding);
                continue;
            }
            for (int i = 0; i < binding.size(); i++) {
                String cType = p.parameterTypes().get(i);
                Optional<String> expected = layouts.of(cType);
                if (expected.isEmpty()) {
                    wrong.add(symbol + ": parameter " + i + " (" + cType + ") has no scalar layout in the header (a by-value struct?), "
                            + binding.get(i) + " in the binding");
                } else if (!expected.get().equals(binding.get(i))) {
                    wrong.add(symbol + ": parameter " + i + " (" + cType + ") is " + expected.get() + " in the header, " + binding.get(i) + " in the binding");
                }
            }
            String expectedReturn = layouts.of(p.returnType()).orElse(p.returnType() + " (no scalar layout)");
            if (!expectedReturn.equals(CLayouts.returnName(d.descriptor()))) {
                wrong.add(symbol + ": returns " + expectedReturn + " in the header, " + CLayouts.returnName(d.descriptor()) + " in the binding");
            }
        }
        return wrong;
    }
}
