package dev.overtune.cuda.driver;

import java.util.List;

/**
 * How to find one native library: what it is (for messages), the environment variable that names
 * an exact file, its sonames newest first, what to install when none is found, and the companion
 * libraries (file-name globs) it opens by name at run time, which are loaded first from the same
 * directory when it is found outside the loader's path.
 */
public record LibrarySpec(String what, String overrideVariable, List<String> sonames, String installHint, List<String> companions) {
    /** The CUDA driver API. Only the driver installs it; CUDA 12 and 13 drivers share the soname. */
    public static final LibrarySpec DRIVER = new LibrarySpec("the NVIDIA driver (CUDA driver API)", "OVERTUNE_LIBCUDA",
            List.of("libcuda.so.1", "libcuda.so"),
            "install the NVIDIA driver (it provides libcuda.so.1) or set OVERTUNE_LIBCUDA to the file", List.of());

    /** NVRTC, CUDA's run-time compiler (host-only: it needs no GPU to compile). */
    public static final LibrarySpec NVRTC = new LibrarySpec("NVRTC (CUDA run-time compiler)", "OVERTUNE_NVRTC",
            List.of("libnvrtc.so.13", "libnvrtc.so.12"),
            "install CUDA's NVRTC (apt: cuda-nvrtc-13-0; pip: nvidia-cuda-nvrtc) or set OVERTUNE_NVRTC to the file",
            List.of("libnvrtc-builtins.so.*"));

    /** cuBLAS. */
    public static final LibrarySpec CUBLAS = new LibrarySpec("cuBLAS", "OVERTUNE_CUBLAS",
            List.of("libcublas.so.13", "libcublas.so.12"),
            "install cuBLAS (apt: libcublas-13-0; pip: nvidia-cublas) or set OVERTUNE_CUBLAS to the file",
            List.of("libcublasLt.so.*"));

    public LibrarySpec(String what, String overrideVariable, List<String> sonames, String installHint) {
        this(what, overrideVariable, sonames, installHint, List.of());
    }

    public LibrarySpec {
        sonames = List.copyOf(sonames);
        companions = List.copyOf(companions);
        if (sonames.isEmpty()) {
            throw new IllegalArgumentException("a library needs at least one soname");
        }
    }
}
