package dev.overtune.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Turns a Hugging Face {@code config.json}, or the name of a preset, into a {@link LanguageModel}. */
public final class ModelConfigs {
    private ModelConfigs() {}

    private static final String MODEL_TYPES = "gpt2, gpt_neox, llama, mistral, qwen2, olmo, olmo2, linear";

    /**
     * The demo's model: 2 layers, d=64, 4 heads, context 64, a UTF-8 byte vocabulary (256); 120,576
     * parameters. Small enough that a 3–5 checkpoint series pre-trains in a couple of minutes on 2 cores.
     */
    public static final Gpt2Config DEMO = new Gpt2Config(256, 64, 64, 2, 4, 1e-5, "gelu_new");

    /**
     * A model small enough to over-train on a CPU: 2 layers, d=32, 4 heads, context 64, byte
     * vocabulary; 35,712 parameters (token embeddings 256·32 + positions 64·32 + 2 layers ·
     * (12·32² + 13·32) + final norm 2·32). 500 tokens per parameter is 17.9M tokens, 2,000 per
     * parameter 71M. Measured: a wsd series to 18M tokens (504 per parameter), batch 16 × 64 on 2
     * shared cores, ran at 76,500 tokens/s and took 4m30s; so an hour is about 275M tokens, some
     * 7,700 per parameter, and even at the 14,000 tokens/s seen under heavy load 500 per parameter
     * takes 21 minutes.
     */
    public static final Gpt2Config OVERTRAINED = new Gpt2Config(256, 64, 32, 2, 4, 1e-5, "gelu_new");

    /**
     * The paper's two-layer linear network (§4) over a 32-token vocabulary, 32 hidden units, init std
     * 1e-3: what {@code dev.overtune.synth.LinearTheory}'s synthetic bigram data is made for.
     */
    public static final LinearConfig LINEAR = new LinearConfig(32, 32, 64, 1e-3);

    /**
     * Small models that make sense on a laptop CPU (GPT-2 and, at the same size, one of each other
     * family), and GPT-2 124M for scale.
     */
    public static final SortedMap<String, LanguageModel> PRESETS = Collections.unmodifiableSortedMap(new TreeMap<>(Map.ofEntries(
            Map.entry("tiny", new Gpt2(new Gpt2Config(512, 64, 64, 2, 4, 1e-5, "gelu_new"))),
            Map.entry("small", new Gpt2(new Gpt2Config(4096, 256, 256, 4, 4, 1e-5, "gelu_new"))),
            Map.entry("gpt2-124m", new Gpt2(new Gpt2Config(50257, 1024, 768, 12, 12, 1e-5, "gelu_new"))),
            Map.entry("neox-tiny", new GptNeoX(new GptNeoXConfig(512, 64, 64, 2, 4, 256, 0.25, 10000, true, "gelu", 1e-5, false, 0.02))),
            Map.entry("llama-tiny", new Llama(new LlamaConfig(LlamaConfig.Variant.LLAMA, 512, 64, 64, 176, 2, 4, 2, 16, 1e-6, 10000, false, 0.02))),
            // Mistral's window (32) below the context (64), so that the preset attends as Mistral does and not as Llama.
            Map.entry("mistral-tiny", new Llama(new LlamaConfig(LlamaConfig.Variant.MISTRAL, 512, 64, 64, 176, 2, 4, 2, 16, 1e-6, 1e6, false, 0.02,
                    0, 32))),
            Map.entry("qwen2-tiny", new Llama(new LlamaConfig(LlamaConfig.Variant.QWEN2, 512, 64, 64, 176, 2, 4, 2, 16, 1e-6, 1e6, true, 0.02))),
            Map.entry("olmo-tiny", new Llama(new LlamaConfig(LlamaConfig.Variant.OLMO, 512, 64, 64, 176, 2, 4, 4, 16, 1e-5, 10000, true, 0.02))),
            Map.entry("olmo2-tiny", new Llama(new LlamaConfig(LlamaConfig.Variant.OLMO2, 512, 64, 64, 176, 2, 4, 4, 16, 1e-6, 500000, false, 0.02))),
            Map.entry("demo", new Gpt2(DEMO)),
            Map.entry("overtrained", new Gpt2(OVERTRAINED)),
            Map.entry("linear", new LinearNetwork(LINEAR)))));

    /** A preset name, a config.json file, or a checkpoint directory holding one. */
    public static LanguageModel resolve(String presetOrPath) {
        LanguageModel preset = PRESETS.get(presetOrPath);
        if (preset != null) {
            return preset;
        }
        Path p = Path.of(presetOrPath);
        if (Files.isDirectory(p)) {
            p = p.resolve("config.json");
        }
        if (!Files.exists(p)) {
            throw new ModelConfigException("'" + presetOrPath + "' is neither a preset " + PRESETS.keySet()
                    + " nor an existing config.json or checkpoint directory");
        }
        return load(p);
    }

    public static LanguageModel load(Path configJson) {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(Files.readString(configJson));
        } catch (NoSuchFileException e) {
            throw new ModelConfigException(configJson + ": not found; a checkpoint directory needs a Hugging Face config.json");
        } catch (JacksonException e) {
            throw new ModelConfigException(configJson + ": malformed JSON (" + e.getOriginalMessage() + "); fix or re-export the config");
        } catch (IOException e) {
            throw new ModelConfigException(configJson + ": cannot read (" + e.getMessage() + ")");
        }
        return fromJson(json, configJson.toString());
    }

    public static LanguageModel fromJson(JsonNode json, String source) {
        if (json == null || !json.isObject()) {
            throw new ModelConfigException(source + ": config must be a JSON object");
        }
        String type = json.path("model_type").asText("");
        try {
            return switch (type) {
                case "gpt2" -> new Gpt2(Gpt2Config.fromJson(json));
                case "gpt_neox" -> new GptNeoX(GptNeoXConfig.fromJson(json));
                case "llama" -> new Llama(LlamaConfig.fromJson(json, LlamaConfig.Variant.LLAMA));
                case "mistral" -> new Llama(LlamaConfig.fromJson(json, LlamaConfig.Variant.MISTRAL));
                case "qwen2" -> new Llama(LlamaConfig.fromJson(json, LlamaConfig.Variant.QWEN2));
                case "olmo" -> new Llama(LlamaConfig.fromJson(json, LlamaConfig.Variant.OLMO));
                case "olmo2" -> new Llama(LlamaConfig.fromJson(json, LlamaConfig.Variant.OLMO2));
                case "linear" -> new LinearNetwork(LinearConfig.fromJson(json));
                case "" -> throw new ModelConfigException("no model_type; overtune supports " + MODEL_TYPES);
                default -> throw new ModelConfigException("model_type '" + type + "' is not supported; overtune supports " + MODEL_TYPES);
            };
        } catch (ModelConfigException e) {
            throw new ModelConfigException(source + ": " + e.getMessage());
        }
    }

    static int requireInt(JsonNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new ModelConfigException("missing or non-integer field '" + field + "'");
        }
        if (!v.isIntegralNumber()) {
            // 2.5 would otherwise be truncated to 2 and a different model built and evaluated.
            throw new ModelConfigException("field '" + field + "' must be an integer, got " + v + "; fix it in config.json");
        }
        return v.asInt();
    }

    /** The field's value, the default when it is absent or null, and an error when it is not an integer. */
    static int optionalInt(JsonNode json, String field, int dflt) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new ModelConfigException("field '" + field + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    static double optionalDouble(JsonNode json, String field, double dflt) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new ModelConfigException("field '" + field + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    static boolean optionalBool(JsonNode json, String field, boolean dflt) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new ModelConfigException("field '" + field + "' must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    static String optionalText(JsonNode json, String field, String dflt) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw new ModelConfigException("field '" + field + "' must be a string, got " + v);
        }
        return v.asText();
    }
}
