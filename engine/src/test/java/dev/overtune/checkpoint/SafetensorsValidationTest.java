package dev.overtune.checkpoint;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every malformed header is refused at open, with a one-line message naming the file (and tensor). */
class SafetensorsValidationTest {
    @TempDir Path dir;

    private Path file(String header, int dataBytes) {
        return RawSafetensors.write(dir.resolve("bad.safetensors"), header, new byte[dataBytes]);
    }

    private static String refused(Path file, String... mentions) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(file).close());
        String message = e.getMessage();
        assertTrue(message.contains(file.toString()), message);
        assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
        for (String m : mentions) {
            assertTrue(message.contains(m), "expected '" + m + "' in: " + message);
        }
        return message;
    }

    private Path validFile() {
        Path file = dir.resolve("model.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsWriter.write(file, Map.of("a", HostTensor.allocate(arena, DType.F32, Shape.of(4)),
                    "b", HostTensor.allocate(arena, DType.F32, Shape.of(2, 2))), Map.of());
        }
        return file;
    }

    @Test
    void fileShorterThanEightBytes() {
        refused(RawSafetensors.write(dir.resolve("tiny.safetensors"), new byte[] {1, 2, 3}), "shorter than the 8-byte");
        refused(RawSafetensors.write(dir.resolve("empty.safetensors"), new byte[0]), "0 bytes");
    }

    @Test
    void truncatedFile() throws IOException {
        Path file = validFile();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 3));
        refused(file, "'b'", "outside the", "re-download or re-export the checkpoint");
    }

    @Test
    void fileCutInsideTheHeader() throws IOException {
        Path file = validFile();
        Files.write(file, Arrays.copyOf(Files.readAllBytes(file), 20));
        refused(file, "runs past the end");
    }

    @Test
    void headerLengthPastTheEnd() {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        refused(RawSafetensors.write(dir.resolve("h.safetensors"), RawSafetensors.bytes(1000, header, new byte[0])), "runs past the end");
    }

    @Test
    void headerLengthOverTheSaneLimit() {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        refused(RawSafetensors.write(dir.resolve("h.safetensors"), RawSafetensors.bytes(200L << 20, header, new byte[0])), "limit");
        // A uint64 with the top bit set must not read as a small negative number.
        refused(RawSafetensors.write(dir.resolve("h2.safetensors"), RawSafetensors.bytes(-8, header, new byte[0])), "18446744073709551608");
    }

    @Test
    void offsetsOutOfRange() {
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4), "'w'", "outside");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-4,4]}}", 8), "'w'", "outside");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8), "'w'", "outside");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9223372036854775807,9223372036854775807]}}", 8), "'w'", "outside");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", 8), "'w'", "64 bits");
    }

    @Test
    void overlappingOffsets() {
        refused(file("""
                {"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},
                 "b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 24), "'b'", "overlap", "'a'");
        refused(file("""
                {"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},
                 "b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 24), "overlap");
    }

    @Test
    void emptyTensorsDoNotCountAsOverlapping() {
        Path file = file("""
                {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                 "e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]}}""", 8);
        SafetensorsFile.open(file).close();
    }

    @Test
    void unknownDtype() {
        refused(file("{\"w\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "'w'", "unknown dtype", "Q4_K");
    }

    @Test
    void knownButUnsupportedDtypesAreRefusedByName() {
        for (String dtype : new String[] {"I32", "I16", "I8", "U8"}) {
            refused(file("{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                    "'w'", "dtype " + dtype + " is not supported");
        }
    }

    @Test
    void shapeNotMatchingBytes() {
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 16), "'w'", "hold 16 bytes", "needs 24");
        refused(file("{\"w\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "'w'", "needs 6");
    }

    @Test
    void negativeDimension() {
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,0]}}", 0), "'w'", "negative");
    }

    @Test
    void shapeProductOverflow() {
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}}", 4),
                "'w'", "more elements");
        // Overflows only once multiplied by the element size.
        refused(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2],\"data_offsets\":[0,8]}}", 8),
                "'w'", "more elements");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,0],\"data_offsets\":[0,0]}}", 0), "'w'", "exceeds");
    }

    @Test
    void malformedJson() {
        refused(file("{\"w\":{\"dtype\":\"F32\",", 0), "not valid JSON");
        refused(file("[1,2,3]", 0), "not an object");
        refused(file("{} trailing", 0), "not valid JSON");
        refused(file("", 0), "empty");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "not valid JSON", "Duplicate");
        byte[] notUtf8 = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        refused(RawSafetensors.write(dir.resolve("u.safetensors"), RawSafetensors.bytes(notUtf8.length, notUtf8, new byte[0])), "UTF-8");
    }

    @Test
    void entriesWithMissingOrWronglyTypedFields() {
        refused(file("{\"w\":[1,2]}", 0), "'w'", "not a JSON object");
        refused(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "'w'", "\"dtype\"");
        refused(file("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "'w'", "\"dtype\"");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "'w'", "\"shape\"");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":\"[1]\",\"data_offsets\":[0,4]}}", 4), "'w'", "\"shape\"");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4), "'w'", "not an integer");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "'w'", "\"data_offsets\"");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8), "'w'", "\"data_offsets\"");
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",4]}}", 4), "'w'", "not an integer");
        refused(file("{\"__metadata__\":{\"step\":1000}}", 0), "__metadata__", "'step'");
        refused(file("{\"__metadata__\":[]}", 0), "__metadata__");
    }

    @Test
    void controlCharactersInNamesStayOnOneLine() {
        refused(file("{\"a\\nb\":{\"dtype\":\"X\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "a\\u000ab");
    }

    @Test
    void missingTensorName() {
        Path file = validFile();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> f.tensor("transformer.wte.weight"));
            String message = e.getMessage();
            assertTrue(message.contains(file.toString()), message);
            assertTrue(message.contains("'transformer.wte.weight'"), message);
            assertTrue(message.contains("'a', 'b'"), "lists what is there: " + message);
            assertThrows(CheckpointException.class, () -> f.info("nope"));
        }
    }

    @Test
    void missingFile() {
        refused(dir.resolve("absent.safetensors"), "cannot read");
    }
}
