package dev.overtune.checkpoint;

import dev.overtune.build.BuildInfo;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import dev.overtune.tensor.HostTensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Moves a model's parameters between Hugging Face checkpoint directories and a {@link ParamStore}:
 * every tensor the architecture needs must be there with its shape, known non-parameter buffers are
 * skipped, and anything else is refused by name.
 */
public final class ModelWeights {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";

    private ModelWeights() {}

    /** Copies the checkpoint's tensors into params (converting F16/BF16 to F32). */
    public static void load(ShardedCheckpoint checkpoint, LanguageModel model, ParamStore params) {
        Path dir = checkpoint.directory();
        Set<String> needed = new HashSet<>();
        for (ParamSpec p : model.params()) {
            needed.add(p.name());
        }
        Set<String> found = new HashSet<>();
        for (String stored : checkpoint.names()) {
            String name = model.parameterName(stored);
            if (!needed.contains(name)) {
                if (model.isBuffer(stored) || model.isTiedCopy(stored)) {
                    continue;
                }
                throw CheckpointException.of(dir, stored, "not a parameter of a " + model.family() + " model with this config.json",
                        "check that config.json belongs to these weights");
            }
            if (!found.add(name)) {
                throw CheckpointException.of(dir, stored, "stored twice (as '" + name + "' and under another name)", CheckpointException.REEXPORT);
            }
            HostTensor dst = params.tensor(name);
            HostTensor src = checkpoint.tensor(stored);
            if (!src.shape().equals(dst.shape())) {
                throw CheckpointException.of(dir, stored, "shape " + src.shape() + " but the config needs " + dst.shape(),
                        "check that config.json belongs to these weights");
            }
            dst.copyFrom(src);
        }
        for (ParamSpec p : model.params()) {
            if (!found.contains(p.name())) {
                throw CheckpointException.of(dir, p.name(), "missing; the " + model.family() + " architecture needs it " + p.shape(),
                        CheckpointException.REEXPORT);
            }
        }
    }

    /** Writes config.json and model.safetensors into dir (created if absent). */
    public static void save(Path dir, LanguageModel model, ParamStore params, Map<String, String> metadata) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(CONFIG), model.configJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(CONFIG) + ": " + e.getMessage(), e);
        }
        Map<String, String> meta = new java.util.LinkedHashMap<>(metadata);
        meta.put("format", "pt");
        meta.put("producer", "overtune " + BuildInfo.engineVersion());
        SafetensorsWriter.write(dir.resolve(WEIGHTS), params.tensors(), meta);
    }
}
