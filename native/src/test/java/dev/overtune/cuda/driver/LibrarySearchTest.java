package dev.overtune.cuda.driver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LibrarySearchTest {
    @Test
    void pipWheelDirectoriesAreFoundWithoutRunningPython(@TempDir Path root) throws IOException {
        Path venv = root.resolve("venv");
        Path cuda12 = Files.createDirectories(venv.resolve("lib/python3.12/site-packages/nvidia/cublas/lib"));
        Path cuda13 = Files.createDirectories(venv.resolve("lib/python3.12/site-packages/nvidia/cu13/lib"));
        Path home = root.resolve("home");
        Path user = Files.createDirectories(home.resolve(".local/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib"));
        Path extra = Files.createDirectories(root.resolve("extra"));
        Files.createDirectories(venv.resolve("lib/python3.12/site-packages/nvidia/no_lib_here"));

        List<Path> dirs = LibrarySearch.directories(Map.of("VIRTUAL_ENV", venv.toString(), "OVERTUNE_CUDA_PATH", extra + ":"), home);

        assertEquals(extra, dirs.getFirst(), "OVERTUNE_CUDA_PATH comes first: " + dirs);
        assertTrue(dirs.contains(cuda12), dirs.toString());
        assertTrue(dirs.contains(cuda13), dirs.toString());
        assertTrue(dirs.contains(user), dirs.toString());
        assertFalse(dirs.stream().anyMatch(d -> d.toString().contains("no_lib_here")), dirs.toString());
        assertTrue(dirs.stream().allMatch(Files::isDirectory), "only existing directories: " + dirs);
    }

    @Test
    void cudaHomeAndPythonPathAreSearched(@TempDir Path root) throws IOException {
        Path cudaLib = Files.createDirectories(root.resolve("cuda/lib64"));
        Path site = Files.createDirectories(root.resolve("py"));
        Path wheel = Files.createDirectories(site.resolve("nvidia/cu12/lib"));
        List<Path> dirs = LibrarySearch.directories(Map.of("CUDA_HOME", root.resolve("cuda").toString(), "PYTHONPATH", site.toString()),
                root.resolve("nohome"));
        assertTrue(dirs.contains(cudaLib), dirs.toString());
        assertTrue(dirs.contains(wheel), dirs.toString());
    }

    @Test
    void virtualEnvironmentsThatAreNotActiveAreSearched(@TempDir Path home) throws IOException {
        Path named = Files.createDirectories(home.resolve("gpu-env/lib/python3.12/site-packages/nvidia/cu13/lib"));
        Path project = Files.createDirectories(home.resolve("project/.venv/lib/python3.11/site-packages/nvidia/cublas/lib"));
        Path hidden = Files.createDirectories(home.resolve(".venv/lib/python3.10/site-packages/nvidia/cuda_nvrtc/lib"));
        List<Path> dirs = LibrarySearch.directories(Map.of(), home);
        assertTrue(dirs.contains(named), dirs.toString());
        assertTrue(dirs.contains(project), dirs.toString());
        assertTrue(dirs.contains(hidden), dirs.toString());
    }
}
