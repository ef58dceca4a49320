package dev.overtune.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
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

    /**
     * The test-only kernels (TestKernels): each lists what its source defines, includes no system header, and
     * compiles with nvcc, warnings as errors, to PTX with every listed entry; the build no longer does this for them.
     */
    @Test
    void theTestKernelsAreListedAndCompile() throws Exception {
        Path out = Path.of(System.getProperty("overtune.build.dir", "target"), "test-kernels");
        Files.createDirectories(out);
        Optional<Path> nvcc = Nvcc.find();
        for (TestKernels k : TestKernels.values()) {
            String source = k.rawSource();
            TreeSet<String> defined = new TreeSet<>();
            Matcher m = KERNEL.matcher(source);
            while (m.find()) {
                defined.add(m.group(1));
            }
            assertEquals(new TreeSet<>(k.kernels()), defined, k.fileName());
            assertTrue(k.source().lines().noneMatch(l -> l.strip().startsWith("#include <")), k + " includes a system header");
            if (nvcc.isEmpty()) {
                continue;
            }
            Path cu = out.resolve(k.fileName());
            Files.writeString(cu, k.source());
            Path ptx = out.resolve(k.fileName() + ".ptx");
            Process p = new ProcessBuilder(nvcc.get().toString(), "-ptx", "-arch=compute_80", "-std=c++17", "--Werror", "all-warnings",
                    "-I", sources().toString(), cu.toString(), "-o", ptx.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc took over 5 minutes on " + k.fileName());
            assertEquals(0, p.exitValue(), "nvcc failed on " + k.fileName() + ": " + log);
            String text = Files.readString(ptx);
            for (String kernel : k.kernels()) {
                assertTrue(text.contains(".visible .entry " + kernel + "("), k.fileName() + " lacks " + kernel);
            }
        }
        assumeTrue(nvcc.isPresent(), "no nvcc: the test kernels' sources were checked, not compiled");
    }
}
