package dev.overtune.series;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The one-pass digest against plain whole-array digests, with ranges that straddle the read buffer. */
class FileDigestTest {
    @Test
    void rangesAcrossBufferBoundariesHashLikeTheirBytes(@TempDir Path dir) throws Exception {
        int n = FileDigest.BUFFER_BYTES * 3 + 12345;
        byte[] bytes = new byte[n];
        new Random(1).nextBytes(bytes);
        Path file = Files.write(dir.resolve("data"), bytes);
        int b = FileDigest.BUFFER_BYTES;
        List<FileDigest.Range> ranges = List.of(
                new FileDigest.Range("spans-three-buffers", b - 10, 2L * b + 10),
                new FileDigest.Range("head", 0, 8),
                new FileDigest.Range("empty", 100, 100),
                new FileDigest.Range("ends-on-boundary", 3L * b - 7, 3L * b),
                new FileDigest.Range("starts-on-boundary", 3L * b, 3L * b + 5),
                new FileDigest.Range("tail", n - 3, n),
                new FileDigest.Range("empty-at-end", n, n));
        FileDigest d = FileDigest.of(file, ranges);
        assertEquals(sha256(bytes, 0, n), d.sha256());
        assertEquals(n, d.bytes());
        for (FileDigest.Range r : ranges) {
            assertEquals(sha256(bytes, (int) r.begin(), (int) r.end()), d.rangeSha256().get(r.name()), r.name());
        }
    }

    private static String sha256(byte[] bytes, int from, int to) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(bytes, from, to)));
    }
}
