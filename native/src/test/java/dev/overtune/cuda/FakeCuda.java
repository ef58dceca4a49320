package dev.overtune.cuda;

import dev.overtune.cuda.driver.LibrarySpec;
import dev.overtune.cuda.driver.NativeLibrary;
import dev.overtune.cuda.driver.Outcome;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The checking fake driver (src/test/c: libcuda.so.1 and libcublas.so.13 that check every launch
 * and GEMM and run nothing), built here with the machine's cc, and the environment that points
 * overtune at it through its ordinary lookup (OVERTUNE_LIBCUDA, OVERTUNE_CUBLAS). NVRTC is the
 * real one: found as overtune finds it, else unpacked from a local nvidia-cuda-nvrtc wheel (never
 * downloaded). Each reason it cannot be had is one line, for the tests to skip with.
 */
public final class FakeCuda {
    /** Where the wheels of this kind of machine sit; OVERTUNE_WHEELS (colon-separated) is looked in first. */
    private static final List<String> WHEEL_DIRECTORIES = List.of("/opt/pypi-more/files", "/opt/pypi/files", "/opt/wheels");

    private FakeCuda() {}

    /** The built libraries and the NVRTC to use, or why not. */
    public record Setup(Path libcuda, Path libcublas, Optional<Path> nvrtc) {
        /** Environment for a process that should run against the fake; cache and report files under dir. */
        public Map<String, String> environment(Path cache, Path report) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("OVERTUNE_LIBCUDA", libcuda.toString());
            env.put("OVERTUNE_CUBLAS", libcublas.toString());
            nvrtc.ifPresent(n -> env.put("OVERTUNE_NVRTC", n.toString()));
            env.put("OVERTUNE_CACHE", cache.toString());
            env.put("FAKE_CUDA_REPORT", report.toString());
            return env;
        }
    }

    private static Outcome<Setup> setup;

    public static synchronized Outcome<Setup> setup() {
        if (setup == null) {
            setup = build(Path.of(System.getProperty("overtune.build.dir", "target")).resolve("fake-cuda"),
                    Path.of(System.getProperty("overtune.fake.sources", "src/test/c")));
        }
        return setup;
    }

    static Outcome<Setup> build(Path out, Path sources) {
        if (!Files.isRegularFile(sources.resolve("fake_cuda.c"))) {
            return Outcome.missing("the fake driver's sources are not at " + sources.toAbsolutePath() + " (set overtune.fake.sources)");
        }
        try {
            Files.createDirectories(out);
            Path libcuda = out.resolve("libcuda.so.1");
            Path libcublas = out.resolve("libcublas.so.13");
            String failed = cc(out, "-Wl,-soname,libcuda.so.1", "-o", libcuda.toString(), sources.resolve("fake_cuda.c").toString(), "-lpthread");
            if (failed == null) {
                failed = cc(out, "-Wl,-soname,libcublas.so.13", "-o", libcublas.toString(), sources.resolve("fake_cublas.c").toString(),
                        "-L" + out, "-l:libcuda.so.1", "-Wl,-rpath,$ORIGIN");
            }
            if (failed != null) {
                return Outcome.missing(failed);
            }
            return Outcome.of(new Setup(libcuda, libcublas, nvrtc(out)));
        } catch (IOException e) {
            return Outcome.missing("building the fake driver in " + out + " failed: " + e.getMessage());
        }
    }

    /** Runs cc; null when it worked, else the reason in one line. */
    private static String cc(Path out, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("cc", "-O1", "-g", "-Wall", "-Werror", "-Wno-unused-parameter", "-shared", "-fPIC"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(out.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return "no C compiler (cc) to build the fake driver with: " + e.getMessage();
        }
        try {
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("cc failed on the fake driver: " + String.join(" ", command) + "\n" + output);
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while building the fake driver";
        }
    }

    /**
     * The NVRTC to compile with: none to name when overtune finds one itself (empty), else
     * libnvrtc.so.13 unpacked from a local nvidia-cuda-nvrtc wheel; empty too when there is no
     * wheel (the runs then skip, saying NVRTC is missing).
     */
    private static Optional<Path> nvrtc(Path out) throws IOException {
        if (NativeLibrary.locate(LibrarySpec.NVRTC).available()) {
            return Optional.empty();
        }
        Optional<Path> wheel = wheel("nvidia_cuda_nvrtc-*.whl");
        if (wheel.isEmpty()) {
            return Optional.empty();
        }
        Path dir = out.resolve("nvrtc");
        Path library = dir.resolve("libnvrtc.so.13");
        if (!Files.isRegularFile(library)) {
            Files.createDirectories(dir);
            try (ZipFile zip = new ZipFile(wheel.get().toFile())) {
                for (ZipEntry e : zip.stream().toList()) {
                    String name = Path.of(e.getName()).getFileName().toString();
                    // The plain library and its builtins; the ".alt" variants and the rest are not needed.
                    if (e.getName().contains("/lib/") && name.startsWith("libnvrtc") && !name.contains(".alt.")) {
                        try (InputStream in = zip.getInputStream(e)) {
                            Path part = dir.resolve(name + ".part");
                            Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                            Files.move(part, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                        }
                    }
                }
            }
        }
        return Files.isRegularFile(library) ? Optional.of(library) : Optional.empty();
    }

    /** A wheel matching glob in OVERTUNE_WHEELS or this machine kind's wheel folders, newest name first. */
    public static Optional<Path> wheel(String glob) {
        List<String> dirs = new ArrayList<>();
        String configured = System.getenv("OVERTUNE_WHEELS");
        if (configured != null) {
            dirs.addAll(List.of(configured.split(":")));
        }
        dirs.addAll(WHEEL_DIRECTORIES);
        for (String d : dirs) {
            Path dir = Path.of(d);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> found = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
                s.forEach(found::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            found.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
            if (!found.isEmpty()) {
                return Optional.of(found.getFirst());
            }
        }
        return Optional.empty();
    }
}
