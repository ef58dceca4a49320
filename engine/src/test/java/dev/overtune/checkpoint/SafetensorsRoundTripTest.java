package dev.overtune.checkpoint;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsRoundTripTest {
    @TempDir Path dir;

    @Test
    void everyWritableDtypeRoundTripsWithMetadata() {
        try (Arena arena = Arena.ofConfined()) {
            HostTensor f32 = HostTensor.allocate(arena, DType.F32, Shape.of(2, 3));
            HostTensor f64 = HostTensor.allocate(arena, DType.F64, Shape.of(4));
            HostTensor i64 = HostTensor.allocate(arena, DType.I64, Shape.of(3));
            HostTensor bool = HostTensor.allocate(arena, DType.BOOL, Shape.of(5));
            for (int i = 0; i < 6; i++) {
                f32.setFloat(i, i * 0.5f - 1);
            }
            for (int i = 0; i < 4; i++) {
                f64.setDouble(i, Math.PI * i);
            }
            i64.setLong(0, Long.MIN_VALUE);
            i64.setLong(1, 42);
            i64.setLong(2, Long.MAX_VALUE);
            for (int i = 0; i < 5; i++) {
                bool.segment().set(ValueLayout.JAVA_BYTE, i, (byte) (i % 2));
            }
            Path file = dir.resolve("model.safetensors");
            SafetensorsWriter.write(file, Map.of("z.weight", f32, "a.f64", f64, "m.ids", i64, "b.mask", bool),
                    Map.of("format", "pt", "step", "1000"));

            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                assertEquals(List.of("a.f64", "b.mask", "m.ids", "z.weight"), f.names());
                assertEquals(Map.of("format", "pt", "step", "1000"), f.metadata());
                assertTrue(f.contains("z.weight"));
                assertFalse(f.contains("__metadata__"));

                HostTensor r32 = f.tensor("z.weight");
                assertEquals(DType.F32, r32.dtype());
                assertEquals(Shape.of(2, 3), r32.shape());
                assertArrayEquals(f32.toFloatArray(), r32.toFloatArray());

                HostTensor r64 = f.tensor("a.f64");
                assertEquals(DType.F64, r64.dtype());
                for (int i = 0; i < 4; i++) {
                    assertEquals(Math.PI * i, r64.getDouble(i));
                }

                HostTensor rI64 = f.tensor("m.ids");
                assertEquals(DType.I64, rI64.dtype());
                assertEquals(Long.MIN_VALUE, rI64.getLong(0));
                assertEquals(42, rI64.getLong(1));
                assertEquals(Long.MAX_VALUE, rI64.getLong(2));

                HostTensor rBool = f.tensor("b.mask");
                assertEquals(DType.BOOL, rBool.dtype());
                assertArrayEquals(bool.segment().toArray(ValueLayout.JAVA_BYTE), rBool.segment().toArray(ValueLayout.JAVA_BYTE));

                TensorInfo info = f.info("z.weight");
                assertEquals("F32", info.dtype());
                assertArrayEquals(new long[] {2, 3}, info.shape());
                assertEquals(24, info.byteSize());
            }
        }
    }

    @Test
    void headerIsPaddedSoDataStartsEightByteAligned() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path file = dir.resolve("x.safetensors");
            SafetensorsWriter.write(file, Map.of("odd_name_length", HostTensor.allocate(arena, DType.F32, Shape.of(1))), Map.of());
            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, headerLength % 8);
            String header = new String(bytes, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(header.strip().endsWith("}"));
            assertTrue(header.substring(header.strip().length()).chars().allMatch(c -> c == ' '), "padding is spaces");
            assertEquals(8 + headerLength + 4, bytes.length);
        }
    }

    @Test
    void halfPrecisionTensorsAreWidenedToF32() {
        // F16: 1.0, -2.5, 0.1 (rounded), 65504 (largest), smallest subnormal, +inf.
        byte[] f16 = RawSafetensors.words(0x3C00, 0xC100, 0x2E66, 0x7BFF, 0x0001, 0x7C00);
        // BF16: 1.0, -2.5, 0.1 (rounded), -0.0.
        byte[] bf16 = RawSafetensors.words(0x3F80, 0xC020, 0x3DCD, 0x8000);
        byte[] data = new byte[f16.length + bf16.length];
        System.arraycopy(f16, 0, data, 0, f16.length);
        System.arraycopy(bf16, 0, data, f16.length, bf16.length);
        Path file = RawSafetensors.write(dir.resolve("half.safetensors"), """
                {"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},
                 "b":{"dtype":"BF16","shape":[4],"data_offsets":[12,20]}}""", data);

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            HostTensor h = f.tensor("h");
            assertEquals(DType.F32, h.dtype());
            assertEquals(Shape.of(2, 3), h.shape());
            assertArrayEquals(new float[] {1.0f, -2.5f, 0.0999755859375f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY}, h.toFloatArray());
            assertEquals("F16", f.info("h").dtype());

            HostTensor b = f.tensor("b");
            assertEquals(DType.F32, b.dtype());
            assertArrayEquals(new float[] {1.0f, -2.5f, 0.10009765625f, -0.0f}, b.toFloatArray());
            assertSame(b, f.tensor("b"), "widened once, then reused");
            assertFalse(b.segment().isMapped());
        }
    }

    @Test
    void f32TensorsAreZeroCopyViewsOfTheMapping() throws IOException {
        Path file = dir.resolve("model.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            HostTensor w = HostTensor.allocate(arena, DType.F32, Shape.of(16, 16));
            w.fill(0.25);
            HostTensor ids = HostTensor.allocate(arena, DType.I64, Shape.of(8));
            SafetensorsWriter.write(file, Map.of("w", w, "ids", ids), Map.of());
        }
        long fileSize = Files.size(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            HostTensor w = f.tensor("w");
            assertTrue(w.segment().isMapped());
            assertTrue(w.segment().isReadOnly());
            assertTrue(f.tensor("ids").segment().isMapped());
            long offset = w.segment().address() - f.mapping().address();
            assertTrue(f.mapping().asOverlappingSlice(w.segment()).isPresent(), "the view lies inside the mapping");
            assertEquals(fileSize, f.mapping().byteSize());
            assertEquals(fileSize - f.info("w").byteSize(), offset, "w is the last tensor in the file");
            assertEquals(w.segment().address(), f.tensor("w").segment().address(), "same mapped bytes each time, no copy");
            assertEquals(0.25f, w.getFloat(255));
        }
    }

    @Test
    void scalarAndEmptyTensorsRoundTrip() {
        try (Arena arena = Arena.ofConfined()) {
            HostTensor scalar = HostTensor.allocate(arena, DType.F32, Shape.scalar());
            scalar.setFloat(0, 7f);
            HostTensor empty = HostTensor.allocate(arena, DType.F32, Shape.of(0, 4));
            Path file = dir.resolve("edge.safetensors");
            SafetensorsWriter.write(file, Map.of("scalar", scalar, "empty", empty), null);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                assertEquals(7f, f.tensor("scalar").getFloat(0));
                assertEquals(Shape.scalar(), f.tensor("scalar").shape());
                assertEquals(Shape.of(0, 4), f.tensor("empty").shape());
                assertEquals(Map.of(), f.metadata());
            }
        }
    }

    @Test
    void heapSegmentsLargerThanOneChunkAreWrittenWhole() {
        float[] values = new float[(1 << 20) / 4 * 3 + 5]; // three 1 MiB chunks and a bit
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        HostTensor onHeap = new HostTensor(MemorySegment.ofArray(values), DType.F32, Shape.of(values.length));
        Path file = dir.resolve("big.safetensors");
        SafetensorsWriter.write(file, Map.of("big", onHeap), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertArrayEquals(values, f.tensor("big").toFloatArray());
        }
    }

    @Test
    void rewritingReplacesTheFileAndLeavesNoTempFiles() throws IOException {
        Path file = dir.resolve("model.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            HostTensor t = HostTensor.allocate(arena, DType.I64, Shape.of(1));
            t.setLong(0, 1);
            SafetensorsWriter.write(file, Map.of("t", t), Map.of());
            try (SafetensorsFile before = SafetensorsFile.open(file)) {
                HostTensor old = before.tensor("t");
                t.setLong(0, 2);
                SafetensorsWriter.write(file, Map.of("t", t), Map.of());
                assertEquals(1, old.getLong(0), "a reader's mapping keeps the old file");
            }
        }
        try (SafetensorsFile after = SafetensorsFile.open(file)) {
            assertEquals(2, after.tensor("t").getLong(0));
        }
        try (var entries = Files.list(dir)) {
            assertEquals(List.of(file), entries.toList());
        }
    }

    @Test
    void tensorsReadFromOneFileCanBeWrittenToAnother() {
        Path first = dir.resolve("a.safetensors");
        Path second = dir.resolve("b.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            HostTensor t = HostTensor.allocate(arena, DType.F32, Shape.of(3));
            t.fill(1.5);
            SafetensorsWriter.write(first, Map.of("t", t), Map.of("k", "v"));
        }
        try (SafetensorsFile a = SafetensorsFile.open(first)) {
            Map<String, HostTensor> all = new TreeMap<>();
            a.names().forEach(n -> all.put(n, a.tensor(n)));
            SafetensorsWriter.write(second, all, a.metadata());
        }
        try (SafetensorsFile b = SafetensorsFile.open(second)) {
            assertArrayEquals(new float[] {1.5f, 1.5f, 1.5f}, b.tensor("t").toFloatArray());
            assertEquals(Map.of("k", "v"), b.metadata());
        }
    }

    @Test
    void metadataKeyCannotNameATensor() {
        try (Arena arena = Arena.ofConfined()) {
            HostTensor t = HostTensor.allocate(arena, DType.F32, Shape.of(1));
            assertThrows(IllegalArgumentException.class,
                    () -> SafetensorsWriter.write(dir.resolve("m.safetensors"), Map.of("__metadata__", t), Map.of()));
        }
    }

    @Test
    void closedFileRefusesTensorsAndClosesOnlyOnce() {
        Path file = RawSafetensors.write(dir.resolve("c.safetensors"), "{}", new byte[0]);
        SafetensorsFile f = SafetensorsFile.open(file);
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, () -> f.tensor("x"));
    }
}
