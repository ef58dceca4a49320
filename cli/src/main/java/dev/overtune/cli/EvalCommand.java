package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.backend.Backend;
import dev.overtune.checkpoint.CheckpointFormats;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.text.TextFiles;
import dev.overtune.text.TokenIdFiles;
import dev.overtune.text.Tokenizer;
import dev.overtune.train.Evaluator;
import dev.overtune.train.TokenScores;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Scores a checkpoint on a text: mean loss, perplexity and the log-likelihood of every token, "
                + "over consecutive non-overlapping windows of --seq-len tokens.")
final class EvalCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A Hugging Face checkpoint directory (config.json + model.safetensors).")
    Path checkpoint;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "FILE", description = "UTF-8 text, tokenized with the checkpoint's tokenizer (or --tokenizer).")
        Path text;

        @Option(names = "--token-ids", paramLabel = "FILE.json", description = "Already-tokenized input: a JSON array of token ids.")
        Path tokenIds;
    }

    @Option(names = "--seq-len", description = "Tokens per window (default: the model's context length).")
    Integer seqLen;

    @Option(names = "--batch", defaultValue = "1", description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--per-token", description = "With --format text, also list every token with its log-probability.")
    boolean perToken;

    @Mixin
    ThreadsOption threadsOption;

    @Mixin
    BackendOption backendOption;

    @Mixin
    TokenizerOption tokenizerOption;

    @Mixin
    FormatOption output;

    @Override
    public Integer call() {
        LanguageModel model = modelOf(checkpoint);
        int seq = seqLen != null ? seqLen : model.contextLength();
        Options.requirePositive("--seq-len", seq);
        Options.requirePositive("--batch", batch);
        if (seq > model.contextLength()) {
            throw new IllegalArgumentException("--seq-len " + seq + " exceeds the model's context of " + model.contextLength());
        }
        int nThreads = threadsOption.resolve();
        Optional<Tokenizer> tokenizer = input.text != null ? Optional.of(tokenizerOption.resolve(checkpoint, model.vocabSize()))
                : tokenizerIfAny(model);
        Path inputFile = input.text != null ? input.text : input.tokenIds;
        int[] tokens = input.text != null ? tokenizer.orElseThrow().encode(TextFiles.readUtf8(input.text))
                : TokenIdFiles.read(input.tokenIds, model.vocabSize());
        if (tokens.length < 2) {
            throw new IllegalArgumentException(inputFile + ": " + tokens.length + " token" + (tokens.length == 1 ? "" : "s")
                    + "; eval needs at least 2 (one to condition on, one to score)");
        }
        TokenScores scores;
        String backendName;
        try (Arena arena = Arena.ofConfined(); Backend backend = backendOption.open(nThreads)) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(checkpoint)) {
                ModelWeights.load(ckpt, model, params);
            }
            ProgressBar bar = ProgressBar.afterAWhile(System.err, "eval");
            try (Evaluator evaluator = new Evaluator(backend, model, params, batch, seq, arena)) {
                scores = TokenScores.of(evaluator, tokens, (done, total) -> bar.update(done, total, "batches of " + batch + " x " + seq + " tokens"));
            } finally {
                bar.close();
            }
            backendName = BackendOption.describe(backend);
        }
        print(System.out, inputFile, tokens, scores, tokenizer, seq, backendName);
        return ExitCodes.OK;
    }

    private static LanguageModel modelOf(Path checkpoint) {
        if (!Files.isDirectory(checkpoint)) {
            CheckpointFormats.refusePickle(checkpoint);
            throw new IllegalArgumentException(checkpoint + ": " + (Files.exists(checkpoint) ? "not a directory" : "no such directory")
                    + "; give a Hugging Face checkpoint directory (config.json + model.safetensors)");
        }
        return ModelConfigs.load(checkpoint.resolve(ModelWeights.CONFIG));
    }

    // Token ids need no tokenizer; one is only used, when it exists, to show each token's text.
    private Optional<Tokenizer> tokenizerIfAny(LanguageModel model) {
        try {
            return Optional.of(tokenizerOption.resolve(checkpoint, model.vocabSize()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The token's text as a JSON string literal, so spaces and newlines show; empty when the tokenizer has no text for it. */
    private static String pieceOf(Tokenizer tokenizer, int id) {
        try {
            return JSON.getNodeFactory().textNode(tokenizer.decode(new int[] {id})).toString();
        } catch (IllegalArgumentException e) {
            return ""; // e.g. ids above 255 of a byte-level model with a larger vocabulary
        }
    }

    private void print(PrintStream out, Path inputFile, int[] tokens, TokenScores scores, Optional<Tokenizer> tokenizer, int seq, String backendName) {
        if (output.json()) {
            ObjectNode o = JSON.createObjectNode().put("checkpoint", checkpoint.toString()).put("input", inputFile.toString())
                    .put("seq_len", seq).put("batch", batch)
                    .put("loss", scores.meanLoss()).put("perplexity", scores.perplexity()).put("tokens", scores.tokens());
            ArrayNode logprobs = o.putArray("token_logprobs");
            for (float lp : scores.logprobs()) {
                logprobs.add(lp);
            }
            out.println(JsonOutput.line(o));
            return;
        }
        out.printf("%s on %s: loss %.4f  perplexity %.2f  (%,d tokens scored; seq-len %d, batch %d, %s)%n", checkpoint, inputFile,
                scores.meanLoss(), scores.perplexity(), scores.tokens(), seq, batch, backendName);
        if (perToken) {
            out.printf("%8s  %8s  %-16s  %s%n", "position", "token", "text", "log-prob");
            for (int i = 0; i < scores.logprobs().length; i++) {
                int id = tokens[i + 1];
                String piece = tokenizer.map(t -> pieceOf(t, id)).orElse("");
                out.printf("%8d  %8d  %-16s  %.4f%n", i + 1, id, piece, scores.logprobs()[i]);
            }
        }
    }
}
