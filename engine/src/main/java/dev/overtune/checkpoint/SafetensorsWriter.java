package dev.overtune.checkpoint;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.tensor.HostTensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes tensors as a safetensors file: widest dtype first, then by name, data contiguous, header
 * padded with spaces so the data starts 8-byte aligned; with that order every tensor starts aligned
 * to its element size, so zero-copy views of it stay aligned. The file appears under its name only once it is complete.
 */
public final class SafetensorsWriter {
    // Bounds the staging copy made when a segment lives on the Java heap.
    private static final int CHUNK_BYTES = 1 << 20;
    private static final JsonMapper JSON = new JsonMapper();

    private SafetensorsWriter() {
    }

    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) {
        if (tensors.containsKey(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException(SafetensorsHeader.METADATA_KEY + " is reserved and cannot name a tensor");
        }
        Map<String, HostTensor> sorted = widestFirst(tensors);
        Path dir = file.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            byte[] header = header(sorted, metadata == null ? Map.of() : metadata);
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
                writeFully(out, prefix);
                writeFully(out, ByteBuffer.wrap(header));
                for (HostTensor t : sorted.values()) {
                    writeSegment(out, t.segment());
                }
                out.force(true);
            }
            moveIntoPlace(temp, file);
        } catch (IOException e) {
            throw CheckpointException.of(file, "cannot write (" + e + ")", "check free disk space and write permission on " + dir);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // Only a leftover hidden temp file; the write itself already succeeded or reported.
            }
        }
    }

    /** Element size descending, then name: the order that keeps every tensor aligned to its element size. */
    static Map<String, HostTensor> widestFirst(Map<String, HostTensor> tensors) {
        Map<String, HostTensor> out = new java.util.LinkedHashMap<>();
        tensors.entrySet().stream()
                .sorted(java.util.Comparator.<Map.Entry<String, HostTensor>>comparingInt(e -> -e.getValue().dtype().byteSize())
                        .thenComparing(Map.Entry::getKey))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static byte[] header(Map<String, HostTensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            HostTensor t = e.getValue();
            long bytes = t.segment().byteSize();
            ObjectNode entry = root.putObject(e.getKey());
            entry.put("dtype", SafetensorsDtype.of(t.dtype()).name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape().longDims()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) & ~7);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    private static void writeSegment(FileChannel out, MemorySegment segment) throws IOException {
        ByteBuffer staging = segment.isNative() ? null : ByteBuffer.allocateDirect((int) Math.min(CHUNK_BYTES, segment.byteSize()));
        for (long at = 0; at < segment.byteSize(); at += CHUNK_BYTES) {
            long length = Math.min(CHUNK_BYTES, segment.byteSize() - at);
            MemorySegment chunk = segment.asSlice(at, length);
            if (staging == null) {
                writeFully(out, chunk.asByteBuffer());
            } else {
                // Heap segments over non-byte arrays have no ByteBuffer view; stage them off-heap.
                MemorySegment.ofBuffer(staging.clear()).copyFrom(chunk);
                writeFully(out, staging.limit((int) length));
            }
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static void moveIntoPlace(Path temp, Path file) throws IOException {
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
