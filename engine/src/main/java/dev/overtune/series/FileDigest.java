package dev.overtune.series;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SHA-256 of a whole file and of byte ranges inside it (the tensors of a safetensors file), computed
 * in one sequential read through a bounded buffer: a checkpoint series can be far larger than
 * memory, and reading each byte once keeps verification as fast as the disk.
 */
record FileDigest(String sha256, long bytes, Map<String, String> rangeSha256) {
    static final int BUFFER_BYTES = 1 << 20;

    /** A named byte range {@code [begin, end)} of the file. */
    record Range(String name, long begin, long end) {}

    /** Ranges must not overlap (a validated safetensors header guarantees that). */
    static FileDigest of(Path file, List<Range> ranges) throws IOException {
        List<Range> byBegin = new ArrayList<>(ranges);
        byBegin.sort(Comparator.comparingLong(Range::begin));
        MessageDigest whole = newSha256();
        MessageDigest[] parts = new MessageDigest[byBegin.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = newSha256();
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
        long position = 0;
        int next = 0;
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            while (in.read(buffer.clear()) >= 0) {
                buffer.flip();
                long chunkEnd = position + buffer.remaining();
                whole.update(buffer.duplicate());
                while (next < parts.length && byBegin.get(next).begin() < chunkEnd) {
                    Range r = byBegin.get(next);
                    long from = Math.max(r.begin(), position);
                    long to = Math.min(r.end(), chunkEnd);
                    if (to > from) {
                        parts[next].update(buffer.duplicate().limit((int) (to - position)).position((int) (from - position)));
                    }
                    if (r.end() > chunkEnd) {
                        break;
                    }
                    next++;
                }
                position = chunkEnd;
            }
        }
        Map<String, String> rangeHex = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) {
            rangeHex.put(byBegin.get(i).name(), hex(parts[i].digest()));
        }
        return new FileDigest(hex(whole.digest()), position, rangeHex);
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
