package dev.overtune.checkpoint;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutates a valid file (byte flips, truncations, header edits), opens it and reads every tensor
 * fully: the only acceptable outcomes are success or {@link CheckpointException}. The seed is
 * fixed, so a failure names an iteration that reproduces it.
 *
 * <p>Runs 20,000 iterations (a few seconds) by default. For a longer run, set the system property
 * {@code overtune.fuzz.iterations}, e.g.
 * {@code mvn -pl engine test -Dtest='SafetensorsFuzzTest' -Dovertune.fuzz.iterations=2000000}.
 */
class SafetensorsFuzzTest {
    static final long SEED = 0x5AFE7E750L;
    static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I64", "BOOL", "I32", "U8", "Q4", ""};

    @TempDir Path dir;

    @Test
    void mutatedFilesEitherLoadOrAreRefusedCleanly() throws IOException {
        int iterations = Integer.getInteger("overtune.fuzz.iterations", 20_000);
        byte[] valid = validFile();
        int headerEnd = (int) (8 + ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong());
        SplittableRandom random = new SplittableRandom(SEED);
        Path file = dir.resolve("fuzz.safetensors");
        int loaded = 0;
        int refused = 0;
        for (int i = 0; i < iterations; i++) {
            int kind = random.nextInt(7);
            byte[] mutated = mutate(valid, headerEnd, kind, random);
            overwrite(file, mutated);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (String name : f.names()) {
                    readFully(f.tensor(name));
                }
                loaded++;
            } catch (CheckpointException expected) {
                refused++;
            } catch (Throwable t) {
                fail("iteration " + i + " (mutation " + kind + ", seed " + SEED + ") threw " + t + " for bytes "
                        + new String(mutated, StandardCharsets.ISO_8859_1).replaceAll("[^\\x20-\\x7e]", "."), t);
            }
        }
        if (iterations >= 1000) {
            assertTrue(loaded > 0 && refused > 0, "the mutations should both keep and break files: loaded " + loaded + ", refused " + refused);
        }
    }

    // Files.write truncates to zero first, which ext4 answers with a flush per call; this is 100x faster.
    private static void overwrite(Path file, byte[] bytes) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.truncate(bytes.length);
        }
    }

    private static byte[] validFile() throws IOException {
        Path temp = Files.createTempFile("fuzz-seed", ".safetensors");
        try (Arena arena = Arena.ofConfined()) {
            HostTensor f32 = HostTensor.allocate(arena, DType.F32, Shape.of(2, 3));
            f32.fill(1.5);
            HostTensor f64 = HostTensor.allocate(arena, DType.F64, Shape.of(2));
            HostTensor i64 = HostTensor.allocate(arena, DType.I64, Shape.of(3));
            HostTensor bool = HostTensor.allocate(arena, DType.BOOL, Shape.of(5));
            HostTensor scalar = HostTensor.allocate(arena, DType.F32, Shape.scalar());
            SafetensorsWriter.write(temp, Map.of("w", f32, "d", f64, "ids", i64, "mask", bool, "s", scalar), Map.of("format", "pt"));
            byte[] written = Files.readAllBytes(temp);
            // Append two half-precision tensors by hand so widening is fuzzed too.
            long headerLength = ByteBuffer.wrap(written).order(ByteOrder.LITTLE_ENDIAN).getLong();
            String header = new String(written, 8, (int) headerLength, StandardCharsets.UTF_8).strip();
            int dataSize = written.length - 8 - (int) headerLength;
            String extended = header.substring(0, header.length() - 1)
                    + ",\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[" + dataSize + "," + (dataSize + 4) + "]}"
                    + ",\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[" + (dataSize + 4) + "," + (dataSize + 8) + "]}}";
            byte[] data = new byte[dataSize + 8];
            System.arraycopy(written, 8 + (int) headerLength, data, 0, dataSize);
            System.arraycopy(RawSafetensors.words(0x3C00, 0xC100, 0x3F80, 0xC020), 0, data, dataSize, 8);
            return RawSafetensors.bytes(extended, data);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static byte[] mutate(byte[] valid, int headerEnd, int kind, SplittableRandom random) {
        byte[] b = valid.clone();
        switch (kind) {
            case 0 -> { // flip bits anywhere
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> { // overwrite bytes inside the header
                for (int n = 1 + random.nextInt(3); n > 0; n--) {
                    b[8 + random.nextInt(headerEnd - 8)] = (byte) random.nextInt(256);
                }
            }
            case 2 -> b = Arrays.copyOf(b, random.nextInt(b.length)); // truncate
            case 3 -> { // lie about the header length
                long length = switch (random.nextInt(3)) {
                    case 0 -> headerEnd - 8 + random.nextInt(-16, 17);
                    case 1 -> random.nextLong();
                    default -> random.nextInt(b.length + 64);
                };
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
            }
            case 4 -> b = editNumber(b, headerEnd, random);
            case 5 -> b = swapDtype(b, headerEnd, random);
            default -> { // append junk
                byte[] extra = new byte[1 + random.nextInt(32)];
                random.nextBytes(extra);
                b = Arrays.copyOf(b, b.length + extra.length);
                System.arraycopy(extra, 0, b, b.length - extra.length, extra.length);
            }
        }
        return b;
    }

    /** Replaces one number in the header with a plausible wrong one, keeping the header well-formed. */
    private static byte[] editNumber(byte[] b, int headerEnd, SplittableRandom random) {
        String header = new String(b, 8, headerEnd - 8, StandardCharsets.UTF_8);
        int at = random.nextInt(header.length());
        while (at < header.length() && !Character.isDigit(header.charAt(at))) {
            at++;
        }
        if (at == header.length()) {
            return b;
        }
        int end = at;
        while (end < header.length() && Character.isDigit(header.charAt(end))) {
            end++;
        }
        String replacement = switch (random.nextInt(5)) {
            case 0 -> Integer.toString(random.nextInt(200));
            case 1 -> "-" + random.nextInt(10);
            case 2 -> Long.toString(random.nextLong());
            case 3 -> "2147483648";
            default -> "1.5";
        };
        return rebuild(b, headerEnd, header.substring(0, at) + replacement + header.substring(end));
    }

    private static byte[] swapDtype(byte[] b, int headerEnd, SplittableRandom random) {
        String header = new String(b, 8, headerEnd - 8, StandardCharsets.UTF_8);
        String[] present = {"\"F32\"", "\"F64\"", "\"I64\"", "\"BOOL\"", "\"F16\"", "\"BF16\""};
        String from = present[random.nextInt(present.length)];
        String to = "\"" + DTYPES[random.nextInt(DTYPES.length)] + "\"";
        return rebuild(b, headerEnd, header.replaceFirst(from, to));
    }

    private static byte[] rebuild(byte[] b, int headerEnd, String header) {
        return RawSafetensors.bytes(header, Arrays.copyOfRange(b, headerEnd, b.length));
    }

    private static double readFully(HostTensor t) {
        double sum = 0;
        for (long i = 0; i < t.size(); i++) {
            sum += switch (t.dtype()) {
                case F32 -> t.getFloat(i);
                case F64 -> t.getDouble(i);
                case I64 -> t.getLong(i);
                case BOOL -> t.segment().get(ValueLayout.JAVA_BYTE, i);
            };
        }
        return sum;
    }
}
