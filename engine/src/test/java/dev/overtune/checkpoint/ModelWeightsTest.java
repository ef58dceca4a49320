package dev.overtune.checkpoint;

import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.tensor.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading weights into a model: every needed tensor present, known extras skipped, anything else refused by name. */
class ModelWeightsTest {
    static final Path REFERENCE = Path.of("src/test/resources/reference");

    @TempDir
    Path tmp;

    /** A copy of a reference checkpoint whose tensors were edited, as name -> tensor. */
    Path editedCopy(String fixture, Consumer<Map<String, HostTensor>> edit) throws IOException {
        Path dir = tmp.resolve(fixture);
        Files.createDirectories(dir);
        Files.copy(REFERENCE.resolve(fixture).resolve("config.json"), dir.resolve("config.json"));
        try (ShardedCheckpoint source = ShardedCheckpoint.open(REFERENCE.resolve(fixture))) {
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            for (String name : source.names()) {
                tensors.put(name, source.tensor(name));
            }
            edit.accept(tensors);
            SafetensorsWriter.write(dir.resolve(ModelWeights.WEIGHTS), tensors, Map.of());
        }
        return dir;
    }

    static void load(Path dir) {
        LanguageModel model = ModelConfigs.load(dir.resolve("config.json"));
        try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(dir); Arena arena = Arena.ofConfined()) {
            ModelWeights.load(checkpoint, model, ParamStore.allocate(arena, model.params()));
        }
    }

    @Test
    void pythiaBuffersAreSkipped() {
        Path dir = REFERENCE.resolve("neox-tiny");
        LanguageModel model = ModelConfigs.load(dir.resolve("config.json"));
        try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(dir)) {
            assertTrue(checkpoint.contains("gpt_neox.layers.1.attention.rotary_emb.inv_freq"));
            assertTrue(checkpoint.contains("gpt_neox.layers.0.attention.bias"));
            assertTrue(checkpoint.contains("gpt_neox.layers.0.attention.masked_bias"));
            assertEquals(model.params().size() + 6, checkpoint.names().size(), "three buffers per layer beside the parameters");
        }
        load(dir);
    }

    @Test
    void llamaRotaryFrequenciesAreSkipped() throws IOException {
        load(editedCopy("llama-tiny", t -> {
            HostTensor invFreq = t.get("model.norm.weight");
            t.put("model.layers.0.self_attn.rotary_emb.inv_freq", invFreq);
            t.put("model.rotary_emb.inv_freq", invFreq);
        }));
    }

    @Test
    void tiedHeadStoredBesideTheEmbeddingIsSkipped() throws IOException {
        load(editedCopy("olmo2-tiny", t -> t.put("lm_head.weight", t.get("model.embed_tokens.weight"))));
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = editedCopy("llama-tiny", t -> t.remove("lm_head.weight"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> load(dir));
        assertEquals(dir + ": tensor 'lm_head.weight': missing; the llama architecture needs it [256,64]; re-download or re-export the checkpoint",
                e.getMessage());
    }

    @Test
    void unexpectedTensorIsNamed() throws IOException {
        Path dir = editedCopy("neox-tiny", t -> t.put("gpt_neox.layers.0.attention.q_norm.weight", t.get("gpt_neox.final_layer_norm.weight")));
        CheckpointException e = assertThrows(CheckpointException.class, () -> load(dir));
        assertEquals(dir + ": tensor 'gpt_neox.layers.0.attention.q_norm.weight': not a parameter of a gpt_neox model with this config.json; "
                + "check that config.json belongs to these weights", e.getMessage());
    }

    @Test
    void anotherFamilysHeadNameIsRefused() throws IOException {
        Path dir = editedCopy("neox-tiny", t -> t.put("lm_head.weight", t.get("embed_out.weight")));
        CheckpointException e = assertThrows(CheckpointException.class, () -> load(dir));
        assertTrue(e.getMessage().contains("'lm_head.weight': not a parameter"), e.getMessage());
    }

    @Test
    void configWithOtherKeyValueHeadsIsRefusedAtTheFirstWrongShape() throws IOException {
        Path dir = editedCopy("llama-tiny", t -> { });
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> load(dir));
        assertTrue(e.getMessage().contains("tensor 'model.layers.0.self_attn.k_proj.weight': shape [32,64] but the config needs [64,64]"),
                e.getMessage());
    }
}
