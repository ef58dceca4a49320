package dev.overtune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json parsing: what each family accepts, the defaults it fills in, and what it refuses by name. */
class ModelConfigsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path REFERENCE = Path.of("src/test/resources/reference");

    /** The config.json of a reference fixture, with one field replaced (a JSON value) or removed (null). */
    static ObjectNode fixtureConfig(String fixture, String field, String jsonValue) {
        try {
            ObjectNode o = (ObjectNode) JSON.readTree(Files.readString(REFERENCE.resolve(fixture).resolve("config.json")));
            if (field != null) {
                if (jsonValue == null) {
                    o.remove(field);
                } else {
                    o.set(field, JSON.readTree(jsonValue));
                }
            }
            return o;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelConfigException refused(JsonNode config) {
        return assertThrows(ModelConfigException.class, () -> ModelConfigs.fromJson(config, "ckpt/config.json"));
    }

    @Test
    void unsupportedModelTypeIsRefusedByName() {
        String message = refused(fixtureConfig("llama-tiny", "model_type", "\"gemma\"")).getMessage();
        assertEquals("ckpt/config.json: model_type 'gemma' is not supported; overtune supports gpt2, gpt_neox, llama, mistral, qwen2, olmo, olmo2, linear",
                message);
    }

    @Test
    void newFamiliesRefuseWhatTheyCannotBuild() {
        assertTrue(refused(fixtureConfig("qwen2-tiny", "use_sliding_window", "true")).getMessage().contains("use_sliding_window"));
        assertTrue(refused(fixtureConfig("olmo-tiny", "clip_qkv", "-1")).getMessage().contains("clip_qkv"));
        assertTrue(refused(fixtureConfig("mistral-tiny", "attention_bias", "true")).getMessage().contains("attention_bias"));
        // OLMo-1 checkpoints hold no norm tensors; Qwen2's hold q, k and v biases.
        LanguageModel olmo = ModelConfigs.fromJson(fixtureConfig("olmo-tiny", "model_type", "\"olmo\""), "x");
        assertTrue(olmo.params().stream().noneMatch(p -> p.name().contains("norm")));
        LanguageModel qwen2 = ModelConfigs.fromJson(fixtureConfig("qwen2-tiny", "model_type", "\"qwen2\""), "x");
        assertEquals(2 * 3, qwen2.params().stream().filter(p -> p.name().endsWith("_proj.bias")).count());
    }

    /** An empty value removes the field. */
    @ParameterizedTest(name = "{0} {1}={2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "llama-tiny | rope_scaling          | {\"rope_type\":\"llama3\",\"factor\":8.0}        | rope_scaling",
            "llama-tiny | rope_parameters       | {\"rope_type\":\"yarn\",\"rope_theta\":10000}    | rope_parameters",
            "llama-tiny | attention_bias        | true                                            | attention_bias true",
            "llama-tiny | mlp_bias              | true                                            | mlp_bias true",
            "llama-tiny | hidden_act            | \"gelu\"                                        | hidden_act 'gelu'",
            "llama-tiny | partial_rotary_factor | 0.5                                             | partial_rotary_factor",
            "llama-tiny | num_key_value_heads   | 3                                               | num_key_value_heads (3)",
            "llama-tiny | vocab_size            |                                                 | 'vocab_size'",
            "olmo2-tiny | hidden_act            | \"relu\"                                        | hidden_act 'relu'",
            "olmo2-tiny | rope_scaling          | {\"type\":\"linear\",\"factor\":2.0}            | rope_scaling",
            "neox-tiny  | hidden_act            | \"relu\"                                        | hidden_act 'relu'",
            "neox-tiny  | rope_scaling          | {\"type\":\"dynamic\",\"factor\":2.0}           | rope_scaling",
            "neox-tiny  | attention_bias        | false                                           | attention_bias false",
            "neox-tiny  | rotary_pct            | 0.1                                             | rotary_pct 0.1",
            "neox-tiny  | intermediate_size     |                                                 | 'intermediate_size'",
            "neox-tiny  | use_parallel_residual | \"yes\"                                         | 'use_parallel_residual'",
    })
    void unsupportedOptionIsRefusedByName(String fixture, String field, String value, String named) {
        String message = refused(fixtureConfig(fixture, field, value)).getMessage();
        assertTrue(message.startsWith("ckpt/config.json: "), message);
        assertTrue(message.contains(named), message);
        assertFalse(message.contains("\n"), message);
    }

    @Test
    void neoxDefaultsFollowHuggingFace() {
        ObjectNode o = fixtureConfig("neox-tiny", null, null);
        for (String field : new String[] {"use_parallel_residual", "rotary_pct", "rotary_emb_base", "hidden_act", "tie_word_embeddings"}) {
            o.remove(field);
        }
        GptNeoXConfig c = ((GptNeoX) ModelConfigs.fromJson(o, "x")).config();
        assertTrue(c.parallelResidual());
        assertEquals(0.25, c.rotaryPct());
        assertEquals(10000.0, c.rotaryBase());
        assertEquals("gelu", c.activation());
        assertFalse(c.tieWordEmbeddings());
    }

    @Test
    void llamaDefaultsToOneKeyValueHeadPerQueryHead() {
        LlamaConfig c = ((Llama) ModelConfigs.fromJson(fixtureConfig("llama-tiny", "num_key_value_heads", null), "x")).config();
        assertEquals(c.numHeads(), c.numKvHeads());
        assertEquals(16, c.headDim());
    }

    @Test
    void newerRopeParametersObjectIsRead() {
        ObjectNode o = fixtureConfig("neox-tiny", "rope_parameters", "{\"rope_type\":\"default\",\"rope_theta\":500.0,\"partial_rotary_factor\":0.5}");
        o.remove("rotary_pct");
        o.remove("rotary_emb_base");
        GptNeoXConfig c = ((GptNeoX) ModelConfigs.fromJson(o, "x")).config();
        assertEquals(500.0, c.rotaryBase());
        assertEquals(8, c.rotaryDims());
    }

    @Test
    void everyPresetSurvivesItsOwnConfigJson() throws IOException {
        for (Map.Entry<String, LanguageModel> e : ModelConfigs.PRESETS.entrySet()) {
            LanguageModel reread = ModelConfigs.fromJson(JSON.readTree(e.getValue().configJson()), e.getKey());
            assertEquals(e.getValue().family(), reread.family(), e.getKey());
            assertEquals(e.getValue().params(), reread.params(), e.getKey());
            assertEquals(e.getValue().configJson(), reread.configJson(), e.getKey());
        }
    }
}
