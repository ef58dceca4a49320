package dev.overtune.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The kernel sources, the Java list of them, and the PTX the build made agree. */
class KernelSourcesTest {
    private static final Pattern KERNEL = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(");

    static Path sources() {
        return Path.of(System.getProperty("overtune.cuda.sources", "src/main/cuda"));
    }

    @Test
    void everyKernelInTheSourcesIsListedAndEveryListedKernelExists() throws IOException {
        List<String> files = new ArrayList<>();
        for (KernelModule m : KernelModule.values()) {
            files.add(m.fileName());
            String source = Files.readString(sources().resolve(m.fileName()));
            TreeSet<String> defined = new TreeSet<>();
            Matcher k = KERNEL.matcher(source);
            while (k.find()) {
                defined.add(k.group(1));
            }
            assertEquals(new TreeSet<>(m.kernels()), defined, m.fileName());
            assertEquals(source, m.source(), m.fileName() + " in the jar's resources");
        }
        try (Stream<Path> all = Files.list(sources())) {
            List<String> cu = all.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).sorted().toList();
            assertEquals(cu, files.stream().sorted().toList(), "every .cu file is a KernelModule");
        }
        try (Stream<Path> all = Files.list(sources())) {
            List<String> cuh = all.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cuh")).sorted().toList();
            assertEquals(cuh, KernelModule.HEADERS.stream().sorted().toList(), "every header travels to NVRTC");
        }
        assertEquals(KernelModule.HEADERS.size(), KernelModule.headers().size());
    }

    @Test
    void theSourcesIncludeNoSystemHeaders() throws IOException {
        // NVRTC has no system headers; a #include <...> would compile with nvcc and fail at run time.
        try (Stream<Path> all = Files.list(sources())) {
            for (Path p : all.filter(f -> f.toString().endsWith(".cu") || f.toString().endsWith(".cuh")).toList()) {
                assertTrue(Files.readAllLines(p).stream().noneMatch(l -> l.strip().startsWith("#include <")), p + " includes a system header");
            }
        }
    }

    static boolean ptxBuilt() {
        return KernelModule.NOISE.ptx(90).isPresent();
    }

    @Test
    void theBuildMadePtxForEveryModuleAndArchitecture() {
        assumeTrue(ptxBuilt(), "no PTX in the build: nvcc was not found at /usr/local/cuda/bin/nvcc (profile 'cuda' inactive)");
        for (KernelModule m : KernelModule.values()) {
            for (int arch : KernelModule.PTX_ARCHITECTURES) {
                Optional<String> ptx = m.ptx(arch);
                assertTrue(ptx.isPresent(), m + " compute_" + arch);
                assertTrue(ptx.get().contains(".target sm_" + arch), m + " targets sm_" + arch);
                for (String kernel : m.kernels()) {
                    assertTrue(ptx.get().contains(".visible .entry " + kernel + "("), m + " compute_" + arch + " lacks " + kernel);
                }
            }
        }
    }

    @Test
    void theBitExactKernelsHaveNoContractedMultiplyAdds() {
        assumeTrue(ptxBuilt(), "no PTX in the build: nvcc was not found at /usr/local/cuda/bin/nvcc (profile 'cuda' inactive)");
        // Java never fuses a*b+c; these kernels promise Java's bits, so no fma may appear in them.
        for (KernelModule m : List.of(KernelModule.ADAMW, KernelModule.QUANTIZE, KernelModule.TRAIN_STEP)) {
            String ptx = m.ptx(90).orElseThrow();
            assertTrue(!ptx.contains("fma."), m + " PTX contains an fma");
        }
    }
}
