package dev.overtune.cuda;

import dev.overtune.cuda.driver.Nvrtc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compiled kernel modules on disk, so a graph's source is compiled once per NVRTC version and
 * architecture rather than by every Trainer and Evaluator (the GPT-2-124M train graph takes tens of
 * seconds). An entry is {@code <key>.ptx} and, where NVRTC made one, {@code <key>.cubin}, the key a
 * SHA-256 over the source, its headers, the options, the NVRTC version and the architecture. The
 * directory is {@code $OVERTUNE_CACHE/cuda}, else {@code ~/.cache/overtune/cuda}. Best effort: an
 * unreadable or unwritable cache only means compiling again.
 */
public final class ModuleCache {
    private final Path directory;

    public ModuleCache(Path directory) {
        this.directory = directory;
    }

    /** The cache the environment names (OVERTUNE_CACHE), else the user's. */
    public static ModuleCache standard() {
        String configured = System.getenv("OVERTUNE_CACHE");
        Path root = configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of(System.getProperty("user.home", "."), ".cache", "overtune");
        return new ModuleCache(root.resolve("cuda"));
    }

    public Path directory() {
        return directory;
    }

    public static String key(String source, Map<String, String> headers, List<String> options, int[] nvrtcVersion, int computeCapability) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            update(sha, "nvrtc " + nvrtcVersion[0] + "." + nvrtcVersion[1]);
            update(sha, "arch " + computeCapability);
            update(sha, String.join("\u0000", options));
            for (Map.Entry<String, String> h : headers.entrySet()) {
                update(sha, h.getKey());
                update(sha, h.getValue());
            }
            update(sha, source);
            return "sm" + computeCapability + "-nvrtc" + nvrtcVersion[0] + "." + nvrtcVersion[1] + "-" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    private static void update(MessageDigest sha, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        // Length first, so that no two sequences of parts hash alike.
        sha.update(java.nio.ByteBuffer.allocate(Long.BYTES).putLong(bytes.length).array());
        sha.update(bytes);
    }

    /** The entry under key, when both its files read back. */
    public Optional<Nvrtc.Compiled> get(String key) {
        Path ptx = directory.resolve(key + ".ptx");
        Path cubin = directory.resolve(key + ".cubin");
        try {
            if (!Files.isRegularFile(ptx)) {
                return Optional.empty();
            }
            byte[] machineCode = Files.isRegularFile(cubin) ? Files.readAllBytes(cubin) : new byte[0];
            return Optional.of(new Nvrtc.Compiled(Files.readString(ptx, StandardCharsets.US_ASCII), machineCode));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** Stores an entry: each file written aside and moved into place, the PTX last, so a reader never sees half of one. */
    public void put(String key, Nvrtc.Compiled compiled) {
        try {
            Files.createDirectories(directory);
            if (compiled.cubin().length > 0) {
                write(directory.resolve(key + ".cubin"), compiled.cubin());
            }
            write(directory.resolve(key + ".ptx"), compiled.ptx().getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | SecurityException e) {
            // Not cached: the next program compiles again.
        }
    }

    private static void write(Path target, byte[] bytes) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        try {
            Files.write(temporary, bytes);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
