package dev.overtune.checkpoint;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardedCheckpointTest {
    static final String SHARD_1 = "model-00001-of-00002.safetensors";
    static final String SHARD_2 = "model-00002-of-00002.safetensors";

    @TempDir Path dir;

    private void writeShards() {
        try (Arena arena = Arena.ofConfined()) {
            HostTensor wte = HostTensor.allocate(arena, DType.F32, Shape.of(4, 2));
            for (int i = 0; i < 8; i++) {
                wte.setFloat(i, i);
            }
            HostTensor bias = HostTensor.allocate(arena, DType.F32, Shape.of(2));
            bias.fill(-1);
            HostTensor lnF = HostTensor.allocate(arena, DType.F32, Shape.of(2));
            lnF.fill(3);
            SafetensorsWriter.write(dir.resolve(SHARD_1), Map.of("wte.weight", wte, "h.0.bias", bias), Map.of("format", "pt"));
            SafetensorsWriter.write(dir.resolve(SHARD_2), Map.of("ln_f.weight", lnF), Map.of("format", "pt"));
        }
    }

    private void writeIndex(String weightMapJson) throws IOException {
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{\"total_size\":48},\"weight_map\":" + weightMapJson + "}");
    }

    private String refused(Path where, String... mentions) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> ShardedCheckpoint.open(dir).close());
        String message = e.getMessage();
        assertTrue(message.contains(where.toString()), message);
        for (String m : mentions) {
            assertTrue(message.contains(m), "expected '" + m + "' in: " + message);
        }
        return message;
    }

    @Test
    void twoShardsServeOneSetOfTensors() throws IOException {
        writeShards();
        writeIndex("{\"wte.weight\":\"" + SHARD_1 + "\",\"h.0.bias\":\"" + SHARD_1 + "\",\"ln_f.weight\":\"" + SHARD_2 + "\"}");
        try (ShardedCheckpoint c = ShardedCheckpoint.open(dir)) {
            assertEquals(List.of("h.0.bias", "ln_f.weight", "wte.weight"), c.names());
            assertTrue(c.contains("ln_f.weight"));
            assertFalse(c.contains("lm_head.weight"));
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, c.tensor("wte.weight").toFloatArray());
            assertArrayEquals(new float[] {-1, -1}, c.tensor("h.0.bias").toFloatArray());
            assertArrayEquals(new float[] {3, 3}, c.tensor("ln_f.weight").toFloatArray());
            assertEquals(Shape.of(4, 2), c.tensor("wte.weight").shape());
            assertArrayEquals(new long[] {2}, c.info("ln_f.weight").shape());
            assertTrue(c.tensor("wte.weight").segment().isMapped());
            CheckpointException e = assertThrows(CheckpointException.class, () -> c.tensor("lm_head.weight"));
            assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("'lm_head.weight'"), e.getMessage());
        }
    }

    @Test
    void singleFileIsPreferredOverAnIndex() throws IOException {
        writeShards();
        writeIndex("{\"wte.weight\":\"" + SHARD_1 + "\"}");
        Files.copy(dir.resolve(SHARD_2), dir.resolve("model.safetensors"));
        try (ShardedCheckpoint c = ShardedCheckpoint.open(dir)) {
            assertEquals(List.of("ln_f.weight"), c.names());
        }
    }

    @Test
    void nameListedInIndexButMissingFromItsShard() throws IOException {
        writeShards();
        writeIndex("{\"wte.weight\":\"" + SHARD_1 + "\",\"ln_f.weight\":\"" + SHARD_1 + "\"}");
        refused(dir.resolve(SHARD_1), "'ln_f.weight'", "missing from this shard");
    }

    @Test
    void shardListedInIndexButAbsent() throws IOException {
        writeShards();
        writeIndex("{\"wte.weight\":\"model-00003-of-00002.safetensors\"}");
        refused(dir, "'wte.weight'", "does not exist");
    }

    @Test
    void shardPathsEscapingTheDirectoryAreRefused() throws IOException {
        writeShards();
        Files.createDirectory(dir.resolve("sub"));
        for (String escape : new String[] {"../x.safetensors", "/etc/passwd", "sub/../../x.safetensors", "", ".", "sub/.."}) {
            writeIndex("{\"wte.weight\":\"" + escape + "\"}");
            refused(dir, "'wte.weight'", "not a file inside");
        }
    }

    @Test
    void malformedIndexIsRefused() throws IOException {
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": [}");
        refused(dir, "not valid JSON");
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\":{}}");
        refused(dir, "weight_map");
        writeIndex("{\"wte.weight\":7}");
        refused(dir, "'wte.weight'", "not a file name");
    }

    @Test
    void pickleCheckpointIsRefused() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.write(dir.resolve("training_args.bin"), new byte[] {1});
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        refused(dir.resolve("pytorch_model.bin"), "pickle", "safetensors.torch.save_model");
    }

    @Test
    void directoryWithoutWeights() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.write(dir.resolve("training_args.bin"), new byte[] {1});
        refused(dir, "no model.safetensors or model.safetensors.index.json in " + dir);
    }

    @Test
    void missingDirectory() {
        Path absent = dir.resolve("absent");
        CheckpointException e = assertThrows(CheckpointException.class, () -> ShardedCheckpoint.open(absent));
        assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
    }
}
