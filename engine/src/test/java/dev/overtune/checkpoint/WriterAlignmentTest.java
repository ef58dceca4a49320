package dev.overtune.checkpoint;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Odd-sized narrow tensors must not push wider ones off their element alignment. */
class WriterAlignmentTest {
    @Test
    void everyTensorStartsAlignedToItsElementSize(@TempDir Path dir) {
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> tensors = Map.of(
                    "a_mask", HostTensor.allocate(arena, DType.BOOL, Shape.of(3)),
                    "b_weight", HostTensor.allocate(arena, DType.F32, Shape.of(5)),
                    "c_ids", HostTensor.allocate(arena, DType.I64, Shape.of(2)),
                    "d_scale", HostTensor.allocate(arena, DType.F64, Shape.of(1)));
            Path file = dir.resolve("mixed.safetensors");
            SafetensorsWriter.write(file, tensors, null);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (String name : f.names()) {
                    TensorInfo info = f.info(name);
                    int width = tensors.get(name).dtype().byteSize();
                    assertEquals(0, info.begin() % width, name + " starts at " + info.begin());
                }
            }
        }
    }
}
