package dev.overtune.checkpoint;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointFormatsTest {
    @Test
    void pickleFilesAreRefusedWithAConversionRecipe() {
        for (String name : new String[] {"pytorch_model.bin", "model.pt", "weights.PTH", "last.ckpt", "state.pkl"}) {
            Path p = Path.of("/runs/x", name);
            CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFormats.refusePickle(p));
            String message = e.getMessage();
            assertTrue(message.contains(p.toString()), message);
            assertTrue(message.contains("pickle"), message);
            assertTrue(message.contains("runs code"), message);
            assertTrue(message.contains("safetensors.torch.save_model(model, 'model.safetensors')"), message);
        }
    }

    @Test
    void otherFilesPass() {
        assertDoesNotThrow(() -> CheckpointFormats.refusePickle(Path.of("model.safetensors")));
        assertDoesNotThrow(() -> CheckpointFormats.refusePickle(Path.of("pytorch_model.bin.index.json")));
        assertDoesNotThrow(() -> CheckpointFormats.refusePickle(Path.of("/")));
    }
}
