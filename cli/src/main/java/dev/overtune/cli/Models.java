package dev.overtune.cli;

import dev.overtune.checkpoint.CheckpointFormats;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;

import java.nio.file.Path;

/** Resolves a model argument, refusing pickle files by name before anything reads them. */
final class Models {
    private Models() {}

    static LanguageModel resolve(String presetOrPath) {
        if (!ModelConfigs.PRESETS.containsKey(presetOrPath)) {
            CheckpointFormats.refusePickle(Path.of(presetOrPath));
        }
        return ModelConfigs.resolve(presetOrPath);
    }
}
