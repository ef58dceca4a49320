package dev.overtune.cli;

import dev.overtune.backend.Backend;
import dev.overtune.checkpoint.CheckpointFormats;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.text.Tokenizer;
import dev.overtune.text.Tokenizers;
import dev.overtune.train.FineTuneRun;
import dev.overtune.train.TrainConfig;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared body of {@code finetune} and {@code demo}: load or initialise, tokenize, run, print. */
final class FineTuner {
    private FineTuner() {}

    static FineTuneRun.Summary run(String checkpointOrPreset, String text, TrainOptions options, BackendOption backendOption,
                                   FineTuneRun.Saving saving, OutputFormat format, PrintStream out, String tokenizerSpec) {
        TrainConfig config = Options.flags(options::toConfig);
        LanguageModel model = Models.resolve(checkpointOrPreset);
        if (config.seqLen() > model.contextLength()) {
            throw new IllegalArgumentException("--seq-len " + config.seqLen() + " exceeds the model's context of " + model.contextLength());
        }
        // A checkpoint directory's own tokenizer file (tokenizer.json, tokenizer.tiktoken) unless --tokenizer names another.
        boolean preset = ModelConfigs.PRESETS.containsKey(checkpointOrPreset);
        Tokenizer tokenizer = Tokenizers.resolve(tokenizerSpec, preset ? null : Path.of(checkpointOrPreset), model.vocabSize());
        int[] tokens = tokenizer.encode(text);
        try (Arena arena = Arena.ofShared(); Backend backend = backendOption.open(options.threads())) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            Path dir = Path.of(checkpointOrPreset);
            String origin;
            if (ModelConfigs.PRESETS.containsKey(checkpointOrPreset)) {
                params.initialize(options.seed);
                origin = "preset '" + checkpointOrPreset + "', random init (seed " + options.seed + ")";
            } else {
                if (!Files.isDirectory(dir)) {
                    CheckpointFormats.refusePickle(dir);
                    throw new IllegalArgumentException(dir + ": not a checkpoint directory (config.json + model.safetensors) or a preset " + ModelConfigs.PRESETS.keySet());
                }
                try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
                    ModelWeights.load(ckpt, model, params);
                }
                origin = "checkpoint " + dir;
            }
            if (format == OutputFormat.text) {
                out.printf("%s: %s, %,d parameters, tokenizer %s, %,d tokens of text, %s%n", model.family(), origin,
                        params.size(), tokenizer.name(), tokens.length, BackendOption.describe(backend));
            }
            ProgressPrinter printer = new ProgressPrinter(format, out, config.schedule().totalSteps(), config.batchSize() * config.seqLen());
            // The saved checkpoint keeps the tokenizer its text was read with, so eval and scan read it alike.
            FineTuneRun.Saving withTokenizer = new FineTuneRun.Saving(saving.dir(), saving.every(), saving.resume(),
                    d -> Tokenizers.writeInto(tokenizer, d));
            FineTuneRun.Summary summary = FineTuneRun.run(backend, model, params, tokens, config, options.seed, withTokenizer, printer);
            printer.summary(summary);
            return summary;
        }
    }
}
