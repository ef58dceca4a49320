package dev.overtune.cuda;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds nvcc for tests that compile host code with it: OVERTUNE_NVCC, CUDA_HOME, /usr/local/cuda, PATH. */
public final class Nvcc {
    private Nvcc() {}

    public static Optional<Path> find() {
        List<Path> candidates = new ArrayList<>();
        String explicit = System.getenv("OVERTUNE_NVCC");
        if (explicit != null) {
            candidates.add(Path.of(explicit));
        }
        String home = System.getenv("CUDA_HOME");
        if (home != null) {
            candidates.add(Path.of(home, "bin", "nvcc"));
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isBlank()) {
                    candidates.add(Path.of(dir, "nvcc"));
                }
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }
}
