package dev.overtune.cuda.driver;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every enum constant the bindings hard-code is checked against the installed CUDA headers at test
 * time, so a wrong value fails here rather than on a GPU. cuda.h and library_types.h come with
 * any toolkit; cublas_api.h and nvrtc.h only with those libraries' development packages (skipped
 * without them, with the reason).
 */
class HeaderConstantsTest {
    private static final Pattern ENUMERATOR = Pattern.compile("\\b([A-Z][A-Z0-9_]+)\\s*=\\s*(-?(?:0x[0-9a-fA-F]+|\\d+))\\b");

    static Optional<Path> include() {
        for (String candidate : new String[] {System.getenv("CUDA_HOME"), "/usr/local/cuda", "/usr/local/cuda-13.0"}) {
            if (candidate != null && Files.isRegularFile(Path.of(candidate, "include", "cuda.h"))) {
                return Optional.of(Path.of(candidate, "include"));
            }
        }
        return Optional.empty();
    }

    static Map<String, Long> enumerators(Path header) throws IOException {
        Map<String, Long> values = new HashMap<>();
        Matcher m = ENUMERATOR.matcher(Files.readString(header));
        while (m.find()) {
            String v = m.group(2);
            values.putIfAbsent(m.group(1), v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v));
        }
        return values;
    }

    private static Map<String, Long> header(String name) throws IOException {
        Optional<Path> dir = include();
        assumeTrue(dir.isPresent(), "no CUDA toolkit headers (cuda.h) under CUDA_HOME or /usr/local/cuda");
        Path file = dir.get().resolve(name);
        assumeTrue(Files.isRegularFile(file), name + " is not installed in " + dir.get() + " (its library's development package is missing)");
        return enumerators(file);
    }

    /** Checks every public static final int field whose name starts with one of the prefixes. */
    private static int check(Class<?> type, Map<String, Long> header, String... prefixes) throws IllegalAccessException {
        int checked = 0;
        List<String> wrong = new ArrayList<>();
        for (Field f : type.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (!Modifier.isStatic(mod) || !Modifier.isFinal(mod) || f.getType() != int.class) {
                continue;
            }
            for (String prefix : prefixes) {
                if (f.getName().startsWith(prefix)) {
                    Long expected = header.get(f.getName());
                    if (expected == null || expected != f.getInt(null)) {
                        wrong.add(type.getSimpleName() + "." + f.getName() + " = " + f.getInt(null) + ", header says " + expected);
                    }
                    checked++;
                }
            }
        }
        assertEquals(List.of(), wrong);
        return checked;
    }

    @Test
    void driverConstantsMatchCudaH() throws Exception {
        Map<String, Long> cuda = header("cuda.h");
        assertTrue(check(Driver.class, cuda, "CU_") >= 10);
        assertTrue(check(CuResult.class, cuda, "CUDA_") >= 10);
    }

    @Test
    void everyCuResultNameIsTheHeadersAndNoneIsMissing() throws Exception {
        String text = Files.readString(include().map(p -> p.resolve("cuda.h")).filter(Files::isRegularFile)
                .orElseThrow(() -> new org.opentest4j.TestAbortedException("no cuda.h")));
        String block = text.substring(text.indexOf("typedef enum cudaError_enum"), text.indexOf("} CUresult;"));
        Matcher m = ENUMERATOR.matcher(block);
        int n = 0;
        while (m.find()) {
            assertEquals(m.group(1), CuResult.name(Integer.parseInt(m.group(2))), "CUresult " + m.group(2));
            n++;
        }
        assertTrue(n > 90, "parsed " + n + " CUresult codes");
        assertEquals("CUresult 35", CuResult.name(35), "35 is the runtime API's cudaErrorInsufficientDriver, not a CUresult");
    }

    @Test
    void dataTypesMatchLibraryTypesH() throws Exception {
        assertEquals(3, check(Cublas.class, header("library_types.h"), "CUDA_R_"));
    }

    @Test
    void cublasConstantsMatchCublasApiH() throws Exception {
        assertTrue(check(Cublas.class, header("cublas_api.h"), "CUBLAS_") >= 15);
    }

    @Test
    void nvrtcConstantsMatchNvrtcH() throws Exception {
        assertEquals(3, check(Nvrtc.class, header("nvrtc.h"), "NVRTC_"));
    }

    @Test
    void theParserReadsEnumerators() throws Exception {
        Path tmp = Files.createTempFile("enum", ".h");
        try {
            Files.writeString(tmp, "typedef enum {\n  CUBLAS_GEMM_DEFAULT = -1,\n  CU_X = 0x10, /* c */\n  CU_Y=75\n} t;");
            assertEquals(Map.of("CUBLAS_GEMM_DEFAULT", -1L, "CU_X", 16L, "CU_Y", 75L), enumerators(tmp));
        } finally {
            Files.delete(tmp);
        }
    }
}
