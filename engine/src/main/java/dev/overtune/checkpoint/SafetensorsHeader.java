package dev.overtune.checkpoint;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The validated header of a safetensors file. Every check that keeps a tensor read inside the
 * file happens here, before any tensor is touched: after {@link #read} succeeds, each
 * {@link TensorInfo}'s byte range lies within the data section, matches its dtype and shape, and
 * overlaps no other tensor.
 */
record SafetensorsHeader(SortedMap<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart) {
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    static final String METADATA_KEY = "__metadata__";

    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Reads and validates the header at the start of {@code file}'s mapping. */
    static SafetensorsHeader read(Path file, MemorySegment mapping) {
        long fileSize = mapping.byteSize();
        if (fileSize < 8) {
            throw CheckpointException.of(file, "file is " + fileSize + " bytes, shorter than the 8-byte header length of a safetensors file", CheckpointException.REEXPORT);
        }
        long headerLength = mapping.get(U64_LE, 0);
        // Compared unsigned-safely: a length with the top bit set reads as negative.
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw CheckpointException.of(file, "header length " + Long.toUnsignedString(headerLength)
                    + " bytes exceeds the " + MAX_HEADER_BYTES + "-byte limit; the file is corrupt or not safetensors", CheckpointException.REEXPORT);
        }
        if (headerLength > fileSize - 8) {
            throw CheckpointException.of(file, "header length " + headerLength + " bytes runs past the end of the "
                    + fileSize + "-byte file (truncated download?)", CheckpointException.REEXPORT);
        }
        byte[] headerBytes = mapping.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        long dataStart = 8 + headerLength;
        return parse(file, headerBytes, dataStart, fileSize - dataStart);
    }

    private static SafetensorsHeader parse(Path file, byte[] headerBytes, long dataStart, long dataSize) {
        JsonNode root = parseJson(file, headerBytes);
        if (!root.isObject()) {
            throw CheckpointException.of(file, "header is JSON but not an object", CheckpointException.REEXPORT);
        }
        SortedMap<String, TensorInfo> tensors = new TreeMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = metadata(file, field.getValue());
            } else {
                tensors.put(field.getKey(), tensor(file, field.getKey(), field.getValue(), dataSize));
            }
        }
        checkNoOverlap(file, tensors.values());
        return new SafetensorsHeader(Collections.unmodifiableSortedMap(tensors), metadata, dataStart);
    }

    private static JsonNode parseJson(Path file, byte[] headerBytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw CheckpointException.of(file, "header is not valid UTF-8", CheckpointException.REEXPORT);
        }
        try {
            JsonNode root = JSON.readTree(text);
            if (root == null || root.isMissingNode()) {
                throw CheckpointException.of(file, "header is empty", CheckpointException.REEXPORT);
            }
            return root;
        } catch (JacksonException e) {
            String why = e.getOriginalMessage();
            throw CheckpointException.of(file, "header is not valid JSON (" + (why == null ? e.getClass().getSimpleName() : why) + ")", CheckpointException.REEXPORT);
        }
    }

    private static Map<String, String> metadata(Path file, JsonNode node) {
        if (!node.isObject()) {
            throw CheckpointException.of(file, METADATA_KEY + " is not a JSON object of strings", CheckpointException.REEXPORT);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw CheckpointException.of(file, METADATA_KEY + " entry " + CheckpointException.quote(e.getKey())
                        + " is a JSON " + e.getValue().getNodeType().name().toLowerCase() + ", not a string", CheckpointException.REEXPORT);
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo tensor(Path file, String name, JsonNode node, long dataSize) {
        if (!node.isObject()) {
            throw CheckpointException.of(file, name, "header entry is not a JSON object", CheckpointException.REEXPORT);
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw CheckpointException.of(file, name, "header entry has no \"dtype\" string", CheckpointException.REEXPORT);
        }
        SafetensorsDtype dtype = dtype(file, name, dtypeNode.textValue());
        long[] shape = shape(file, name, node.get("shape"));
        long[] offsets = offsets(file, name, node.get("data_offsets"));
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || begin > end || end > dataSize) {
            throw CheckpointException.of(file, name, "data_offsets [" + begin + ", " + end + "] are outside the "
                    + dataSize + "-byte data section (truncated download?)", CheckpointException.REEXPORT);
        }
        long expected;
        try {
            expected = Math.multiplyExact(elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw CheckpointException.of(file, name, "shape " + show(shape) + " has more elements than a file can hold", CheckpointException.REEXPORT);
        }
        if (end - begin != expected) {
            throw CheckpointException.of(file, name, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes but " + dtype + show(shape) + " needs " + expected, CheckpointException.REEXPORT);
        }
        return new TensorInfo(name, dtype.name(), shape, begin, end);
    }

    private static SafetensorsDtype dtype(Path file, String name, String dtypeName) {
        SafetensorsDtype dtype = SafetensorsDtype.named(dtypeName).orElseThrow(() -> CheckpointException.of(file, name,
                "unknown dtype " + CheckpointException.quote(dtypeName) + " (overtune reads " + SafetensorsDtype.SUPPORTED + ")",
                CheckpointException.REEXPORT));
        if (!dtype.supported()) {
            throw CheckpointException.of(file, name, "dtype " + dtype + " is not supported (overtune reads "
                    + SafetensorsDtype.SUPPORTED + ")", "re-export the checkpoint with float weights");
        }
        return dtype;
    }

    private static long[] shape(Path file, String name, JsonNode node) {
        if (node == null || !node.isArray()) {
            throw CheckpointException.of(file, name, "header entry has no \"shape\" array", CheckpointException.REEXPORT);
        }
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = node.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong()) {
                throw CheckpointException.of(file, name, "shape entry " + i + " is not an integer", CheckpointException.REEXPORT);
            }
            shape[i] = d.longValue();
            if (shape[i] < 0) {
                throw CheckpointException.of(file, name, "shape " + show(shape) + " has a negative dimension", CheckpointException.REEXPORT);
            }
            // dev.overtune.tensor.Shape holds int dimensions.
            if (shape[i] > Integer.MAX_VALUE) {
                throw CheckpointException.of(file, name, "dimension " + shape[i] + " exceeds " + Integer.MAX_VALUE
                        + ", the largest overtune supports", CheckpointException.REEXPORT);
            }
        }
        return shape;
    }

    private static long[] offsets(Path file, String name, JsonNode node) {
        if (node == null || !node.isArray() || node.size() != 2) {
            throw CheckpointException.of(file, name, "header entry has no \"data_offsets\" [begin, end] array", CheckpointException.REEXPORT);
        }
        long[] out = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode o = node.get(i);
            if (!o.isIntegralNumber() || !o.canConvertToLong()) {
                throw CheckpointException.of(file, name, "data_offsets entry " + i + " is not an integer that fits 64 bits", CheckpointException.REEXPORT);
            }
            out[i] = o.longValue();
        }
        return out;
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void checkNoOverlap(Path file, Iterable<TensorInfo> tensors) {
        List<TensorInfo> byBegin = new ArrayList<>();
        for (TensorInfo t : tensors) {
            if (t.byteSize() > 0) { // empty tensors own no bytes, so cannot overlap anything
                byBegin.add(t);
            }
        }
        byBegin.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < byBegin.size(); i++) {
            TensorInfo previous = byBegin.get(i - 1);
            TensorInfo current = byBegin.get(i);
            if (current.begin() < previous.end()) {
                throw CheckpointException.of(file, current.name(), "bytes [" + current.begin() + ", " + current.end()
                        + ") overlap tensor " + CheckpointException.quote(previous.name()) + " at [" + previous.begin() + ", "
                        + previous.end() + ")", CheckpointException.REEXPORT);
            }
        }
    }

    static String show(long[] shape) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            out.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return out.append(']').toString();
    }
}
