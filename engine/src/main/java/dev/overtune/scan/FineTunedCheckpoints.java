package dev.overtune.scan;

import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;
import dev.overtune.text.Tokenizer;
import dev.overtune.text.Tokenizers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps each model a scan fine-tunes as a Hugging Face checkpoint, {@code ROOT/<checkpoint>/finetune-lr<lr>-seed<seed>/}:
 * {@code config.json}, {@code model.safetensors} (its metadata names the unit) and the tokenizer the scan read the task
 * with, so that overtune ({@code eval}, a scan) and Hugging Face tools load it as they load the checkpoint it came from.
 */
public final class FineTunedCheckpoints {
    /** Files beside a tokenizer that Hugging Face's AutoTokenizer reads; copied from the base checkpoint where present. */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "tokenizer.model", "tokenizer.tiktoken", "vocab.json", "merges.txt", "generation_config.json");

    private final Path root;
    private final Tokenizer tokenizer;

    /**
     * @param tokenizer the tokenizer the scan used, written into every saved checkpoint (null: copy the base checkpoint's
     *                  tokenizer files as they are)
     */
    public FineTunedCheckpoints(Path root, Tokenizer tokenizer) {
        this.root = root;
        this.tokenizer = tokenizer;
    }

    public Path root() {
        return root;
    }

    /** Where the fine-tune of {@code checkpoint} at {@code lr} with {@code seed} is kept. */
    public Path dir(String checkpoint, String lr, long seed) {
        return root.resolve(checkpoint).resolve("finetune-lr" + lr + "-seed" + seed);
    }

    /** Writes {@code params}, the fine-tuned weights of {@code unit}, with config and tokenizer; replaces an earlier save. */
    void save(Unit unit, LanguageModel model, ParamStore params, long steps) {
        Path dir = dir(unit.checkpoint().name(), unit.setting().get("lr"), unit.seed());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("overtune_unit_id", unit.id());
        meta.put("overtune_base_checkpoint", unit.checkpoint().dir().toString());
        meta.put("overtune_base_tokens", Long.toString(unit.checkpoint().tokens()));
        meta.put("overtune_lr", unit.setting().get("lr"));
        meta.put("overtune_seed", Long.toString(unit.seed()));
        meta.put("overtune_steps", Long.toString(steps));
        ModelWeights.save(dir, model, params, meta);
        Path base = unit.checkpoint().dir();
        try {
            for (String name : TOKENIZER_FILES) {
                Path from = base.resolve(name);
                if (Files.isRegularFile(from)) {
                    Files.copy(from, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot copy the tokenizer files of " + base + " (" + e.getMessage() + ")", e);
        }
        if (tokenizer != null) {
            Tokenizers.writeInto(tokenizer, dir); // the tokenizer the task was read with, whatever the base directory holds
        }
    }
}
