package dev.overtune.cli;

import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.text.ByteTokenizer;
import dev.overtune.text.Tokenizers;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

/**
 * A saved checkpoint of the tiny preset (vocab 512, context 64), randomly initialised from a seed,
 * with the UTF-8 byte tokenizer.json beside it as overtune's pretrain and finetune --save write it.
 */
final class TinyCheckpoint {
    static final LanguageModel MODEL = ModelConfigs.resolve("tiny");

    private TinyCheckpoint() {}

    static Path write(Path dir, long seed) {
        try (Arena arena = Arena.ofConfined()) {
            ParamStore params = ParamStore.allocate(arena, MODEL.params());
            params.initialize(seed);
            ModelWeights.save(dir, MODEL, params, Map.of());
        }
        Tokenizers.writeInto(new ByteTokenizer(), dir);
        return dir;
    }
}
