package dev.overtune.cli;

import dev.overtune.text.Tokenizer;
import dev.overtune.text.Tokenizers;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --tokenizer}: which tokenizer turns text into ids, where the checkpoint's own is not wanted or not there. */
final class TokenizerOption {
    @Option(names = "--tokenizer", paramLabel = "NAME_OR_FILE",
            description = "bytes, gpt2-r50k, wordnet-bpe-4096, a tokenizer.json or .tiktoken file, or a checkpoint directory "
                    + "(default: the checkpoint's tokenizer.json or tokenizer.tiktoken; UTF-8 bytes only for a 256-entry vocabulary).")
    String tokenizer;

    /** @param checkpointDir the checkpoint whose own tokenizer is the default, or null for a preset */
    Tokenizer resolve(Path checkpointDir, int modelVocabSize) {
        return Tokenizers.resolve(tokenizer, checkpointDir, modelVocabSize);
    }
}
