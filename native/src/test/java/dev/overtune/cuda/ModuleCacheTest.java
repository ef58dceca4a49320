package dev.overtune.cuda;

import dev.overtune.cuda.driver.Nvrtc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The on-disk cache of compiled modules: what its key depends on, and entries that read back whole. */
class ModuleCacheTest {
    private static final Map<String, String> HEADERS = Map.of("a.cuh", "#define A 1\n");
    private static final List<String> OPTIONS = List.of("--gpu-architecture=sm_90", "--std=c++17");

    @Test
    void theKeyChangesWithSourceHeadersOptionsNvrtcVersionAndArchitecture() {
        String key = ModuleCache.key("src", HEADERS, OPTIONS, new int[] {13, 0}, 90);
        assertEquals(key, ModuleCache.key("src", HEADERS, OPTIONS, new int[] {13, 0}, 90));
        assertTrue(key.startsWith("sm90-nvrtc13.0-"), key);
        assertNotEquals(key, ModuleCache.key("src2", HEADERS, OPTIONS, new int[] {13, 0}, 90));
        assertNotEquals(key, ModuleCache.key("src", Map.of("a.cuh", "#define A 2\n"), OPTIONS, new int[] {13, 0}, 90));
        assertNotEquals(key, ModuleCache.key("src", HEADERS, List.of("--gpu-architecture=sm_90"), new int[] {13, 0}, 90));
        assertNotEquals(key, ModuleCache.key("src", HEADERS, OPTIONS, new int[] {13, 1}, 90));
        assertNotEquals(key, ModuleCache.key("src", HEADERS, OPTIONS, new int[] {13, 0}, 80));
        // Parts are length-prefixed: moving text between the header and the source is another key.
        assertNotEquals(ModuleCache.key("xsrc", Map.of("h", "a"), OPTIONS, new int[] {13, 0}, 90),
                ModuleCache.key("src", Map.of("h", "ax"), OPTIONS, new int[] {13, 0}, 90));
    }

    @Test
    void entriesReadBackWholeAndAMissingOneIsEmpty(@TempDir Path dir) throws Exception {
        ModuleCache cache = new ModuleCache(dir.resolve("cuda"));
        assertTrue(cache.get("k").isEmpty());
        byte[] cubin = {0x7f, 'E', 'L', 'F', 0, 1, 2};
        cache.put("k", new Nvrtc.Compiled(".version 9.0\n", cubin));
        Nvrtc.Compiled back = cache.get("k").orElseThrow();
        assertEquals(".version 9.0\n", back.ptx());
        assertArrayEquals(cubin, back.cubin());
        cache.put("ptx-only", new Nvrtc.Compiled(".version 9.0\n", new byte[0]));
        assertEquals(0, cache.get("ptx-only").orElseThrow().cubin().length);
        try (var files = Files.list(dir.resolve("cuda"))) {
            assertEquals(List.of("k.cubin", "k.ptx", "ptx-only.ptx"), files.map(p -> p.getFileName().toString()).sorted().toList(), "no part files left");
        }
    }

    @Test
    void anUnwritableCacheIsOnlyNotACache(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        ModuleCache cache = new ModuleCache(file.resolve("cuda"));
        cache.put("k", new Nvrtc.Compiled(".version 9.0\n", new byte[0]));
        assertTrue(cache.get("k").isEmpty());
    }
}
