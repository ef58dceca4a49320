package dev.overtune.cli;

import dev.overtune.text.TextFiles;
import dev.overtune.train.FineTuneRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = "Fine-tunes a checkpoint (or a randomly initialised preset) on a text file and prints the loss per step.")
final class FinetuneCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT_OR_PRESET", completionCandidates = Presets.class,
            description = "A Hugging Face checkpoint directory (config.json + model.safetensors) or a preset (${COMPLETION-CANDIDATES}).")
    String checkpoint;

    @Option(names = "--text", required = true, paramLabel = "FILE", description = "UTF-8 text to fine-tune on (10%% is held out for evaluation).")
    Path text;

    @Option(names = "--save", paramLabel = "DIR", description = "Save a resumable checkpoint here (HF layout + optimizer state).")
    Path save;

    @Option(names = "--save-every", defaultValue = "0", description = "Also save every N steps (default: only at the end).")
    long saveEvery;

    @Option(names = "--resume", description = "Continue from the state in --save DIR if there is one.")
    boolean resume;

    @Mixin
    FormatOption output;

    @Mixin
    TrainOptions options;

    @Mixin
    BackendOption backendOption;

    @Mixin
    TokenizerOption tokenizerOption;

    @Override
    public Integer call() {
        if (resume && save == null) {
            throw new IllegalArgumentException("--resume needs --save DIR (the state to continue from)");
        }
        Options.requireNonNegative("--save-every", saveEvery);
        String content = TextFiles.readUtf8(text);
        FineTuner.run(checkpoint, content, options, backendOption, new FineTuneRun.Saving(save, saveEvery, resume), output.format, System.out,
                tokenizerOption.tokenizer);
        return ExitCodes.OK;
    }
}
