package dev.overtune.cuda.driver;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The directories, beyond the system loader's path, where CUDA libraries are looked for: those named
 * by {@code OVERTUNE_CUDA_PATH}, the toolkit ({@code CUDA_HOME}, {@code /usr/local/cuda*}), and the
 * {@code nvidia/<package>/lib} folders that pip's {@code nvidia-*} wheels install into a Python
 * {@code site-packages} (found by scanning the usual prefixes; Python itself is never run).
 */
public final class LibrarySearch {
    private LibrarySearch() {}

    public static List<Path> directories() {
        return directories(System.getenv(), Path.of(System.getProperty("user.home", "/nonexistent")));
    }

    static List<Path> directories(Map<String, String> env, Path home) {
        Set<Path> dirs = new LinkedHashSet<>();
        String extra = env.get("OVERTUNE_CUDA_PATH");
        if (extra != null) {
            for (String part : extra.split(":")) {
                if (!part.isBlank()) {
                    dirs.add(Path.of(part));
                }
            }
        }
        for (String variable : List.of("CUDA_HOME", "CUDA_PATH")) {
            String value = env.get(variable);
            if (value != null && !value.isBlank()) {
                dirs.add(Path.of(value, "lib64"));
                dirs.add(Path.of(value, "targets", "x86_64-linux", "lib"));
            }
        }
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        dirs.add(Path.of("/usr/local/cuda/targets/x86_64-linux/lib"));
        dirs.addAll(children(Path.of("/usr/local"), "cuda-*", "lib64"));
        for (Path sitePackages : sitePackages(env, home)) {
            // CUDA 12 wheels: nvidia/cublas/lib, nvidia/cuda_nvrtc/lib; CUDA 13 wheels: nvidia/cu13/lib.
            dirs.addAll(children(sitePackages.resolve("nvidia"), "*", "lib"));
        }
        List<Path> existing = new ArrayList<>();
        for (Path d : dirs) {
            if (Files.isDirectory(d)) {
                existing.add(d);
            }
        }
        return existing;
    }

    /**
     * Python package folders under the active virtualenv or conda, virtual environments that are not
     * active (one level under the home directory and /opt, each with its .venv or venv, the same in
     * the working directory: GPU machines often keep pip's CUDA wheels in one), the user's ~/.local
     * and the system prefixes.
     */
    static List<Path> sitePackages(Map<String, String> env, Path home) {
        List<Path> prefixes = new ArrayList<>();
        for (String variable : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String value = env.get(variable);
            if (value != null && !value.isBlank()) {
                prefixes.add(Path.of(value));
            }
        }
        prefixes.add(home.resolve(".local"));
        for (Path parent : List.of(home, Path.of("/opt"), Path.of("").toAbsolutePath())) {
            prefixes.add(parent.resolve(".venv"));
            prefixes.add(parent.resolve("venv"));
            for (Path child : children(parent, "*", null)) {
                prefixes.add(child);
                prefixes.add(child.resolve(".venv"));
                prefixes.add(child.resolve("venv"));
            }
        }
        prefixes.add(Path.of("/opt/conda"));
        prefixes.add(Path.of("/usr/local"));
        prefixes.add(Path.of("/usr"));
        Set<Path> found = new LinkedHashSet<>();
        String pythonPath = env.get("PYTHONPATH");
        if (pythonPath != null) {
            for (String part : pythonPath.split(":")) {
                if (!part.isBlank()) {
                    found.add(Path.of(part));
                }
            }
        }
        for (Path prefix : prefixes) {
            for (Path lib : children(prefix.resolve("lib"), "python3*", null)) {
                found.add(lib.resolve("site-packages"));
                found.add(lib.resolve("dist-packages"));
            }
        }
        found.add(Path.of("/usr/lib/python3/dist-packages"));
        found.removeIf(p -> !Files.isDirectory(p));
        return List.copyOf(found);
    }

    /** dir/glob[/sub] for each entry matching glob, sorted newest-looking (reverse name) first. */
    private static List<Path> children(Path dir, String glob, String sub) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob)) {
            for (Path entry : entries) {
                out.add(sub == null ? entry : entry.resolve(sub));
            }
        } catch (IOException | SecurityException e) {
            return List.of();
        }
        out.sort((a, b) -> b.toString().compareTo(a.toString()));
        return out;
    }
}
