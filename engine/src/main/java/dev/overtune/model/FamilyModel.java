package dev.overtune.model;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What the families share: their config, their parameters (built once from it), and the checkpoint tensors
 * that are buffers rather than parameters. A family adds its name, its forward pass and its layout rules.
 */
abstract class FamilyModel<C extends FamilyConfig> implements LanguageModel {
    private static final Pattern NONE = Pattern.compile("(?!)");

    private final C config;
    private final List<ParamSpec> params;
    private final Pattern buffers;

    /** @param buffers the names of stored tensors that are not parameters (causal masks, rotary frequencies) */
    FamilyModel(C config, List<ParamSpec> params, Pattern buffers) {
        this.config = config;
        this.params = List.copyOf(params);
        this.buffers = buffers;
    }

    FamilyModel(C config, List<ParamSpec> params) {
        this(config, params, NONE);
    }

    public C config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int contextLength() {
        return config.contextLength();
    }

    @Override
    public List<ParamSpec> params() {
        return params;
    }

    @Override
    public boolean isBuffer(String tensorName) {
        return buffers.matcher(tensorName).matches();
    }

    @Override
    public String configJson() {
        return config.toJson();
    }
}
