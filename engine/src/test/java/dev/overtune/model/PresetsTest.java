package dev.overtune.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The parameter counts the presets' javadoc states, which the over-training arithmetic rests on. */
class PresetsTest {
    static long parameters(String preset) {
        return ModelConfigs.resolve(preset).params().stream().mapToLong(p -> p.shape().size()).sum();
    }

    @Test
    void parameterCounts() {
        assertEquals(136_960, parameters("tiny"));
        assertEquals(120_576, parameters("demo"));
        assertEquals(35_712, parameters("overtrained"));
        assertEquals(256 * 32 + 64 * 32 + 2 * (12 * 32 * 32 + 13 * 32) + 2 * 32, parameters("overtrained"));
    }

    @Test
    void pretrainingPresetsUseTheByteVocabulary() {
        assertEquals(256, ModelConfigs.resolve("demo").vocabSize());
        assertEquals(256, ModelConfigs.resolve("overtrained").vocabSize());
    }
}
