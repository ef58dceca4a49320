package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.series.HubCache;
import dev.overtune.series.SeriesCheckpoint;
import dev.overtune.series.SeriesInit;
import dev.overtune.series.SeriesManifest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

@Command(name = "series", mixinStandardHelpOptions = true, description = "Checkpoint series: 'series init' writes series.json for a "
        + "Hugging Face cache directory.", subcommands = {SeriesCommand.Init.class})
final class SeriesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: init");
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = {"Writes series.json for the revisions of a model in the Hugging Face cache "
                    + "(models--ORG--NAME/refs/<revision> naming snapshots/<commit>/): one checkpoint per revision named like a step, "
                    + "Pythia's step143000 (tokens = step x --tokens-per-step, 2097152 by default for a repository whose name says pythia) "
                    + "or OLMo's stage1-step928646-tokens3896B (tokens from the name).",
                    "Each snapshot must hold config.json and its safetensors weights; incomplete ones are left out and named. "
                            + "verify and scan also read a cache directory directly."})
    static final class Init implements Callable<Integer> {
        private static final ObjectMapper JSON = new ObjectMapper();

        @Parameters(index = "0", paramLabel = "CACHE_DIR",
                description = "A models--ORG--NAME directory of the hub cache, or a cache directory holding one model.")
        Path cacheDir;

        @Option(names = "--out", paramLabel = "FILE",
                description = "Where to write series.json: in the models--ORG--NAME directory or above it (default: CACHE_DIR's model directory).")
        Path out;

        @Option(names = "--tokens-per-step", paramLabel = "N",
                description = "Pre-training tokens per optimizer step, for revisions named by step only (Pythia: 2097152, the default for Pythia).")
        Long tokensPerStep;

        @Mixin
        FormatOption output;

        @Override
        public Integer call() {
            if (!Files.isDirectory(cacheDir)) {
                throw new IllegalArgumentException(cacheDir + ": " + (Files.exists(cacheDir) ? "not a directory" : "no such directory")
                        + "; give a Hugging Face cache directory (models--ORG--NAME)");
            }
            HubCache cache = HubCache.find(cacheDir).orElseThrow(() -> new IllegalArgumentException(cacheDir
                    + ": not a Hugging Face cache directory (no refs/ and snapshots/, nor one models--ORG--NAME directory holding them)"));
            Path file = out != null ? out : cache.modelDir().resolve(SeriesManifest.FILE);
            SeriesInit.Result r = SeriesInit.write(cache, file, tokensPerStep == null ? OptionalLong.empty() : OptionalLong.of(tokensPerStep));
            PrintStream o = System.out;
            if (output.json()) {
                ObjectNode json = JSON.createObjectNode().put("series_json", r.file().toString()).put("name", r.name());
                r.tokensPerStep().ifPresent(n -> json.put("tokens_per_step", n));
                ArrayNode list = json.putArray("checkpoints");
                for (SeriesCheckpoint c : r.checkpoints()) {
                    list.addObject().put("revision", c.name()).put("step", c.step().getAsLong()).put("tokens", c.tokens().getAsLong())
                            .put("snapshot", c.directory().toString());
                }
                ArrayNode incomplete = json.putArray("incomplete");
                r.incomplete().forEach(i -> incomplete.addObject().put("revision", i.name()).put("problem", i.incomplete().orElseThrow()));
                ArrayNode skipped = json.putArray("skipped");
                r.skipped().forEach(skipped::add);
                o.println(JsonOutput.line(json));
            } else {
                o.printf("%s: %s from %s%n", r.name(), Counts.of(r.checkpoints().size(), "checkpoint"), cache.modelDir());
                r.tokensPerStep().ifPresent(n -> o.printf("tokens = step x %,d per step%s%n", n,
                        tokensPerStep == null ? " (Pythia's 1,024 x 2,048; --tokens-per-step to change)" : ""));
                for (SeriesCheckpoint c : r.checkpoints()) {
                    o.printf("  %-32s step %,11d  %8s tokens  %s%n", c.name(), c.step().getAsLong(), Counts.tokens(c.tokens().getAsLong()),
                            c.directory().getFileName());
                }
                for (HubCache.Revision i : r.incomplete()) {
                    o.printf("  %-32s left out: %s%n", i.name(), i.incomplete().orElseThrow());
                }
                if (!r.skipped().isEmpty()) {
                    o.printf("skipped (no step in the name): %s%n", String.join(", ", r.skipped()));
                }
                o.printf("wrote %s%n", r.file());
            }
            if (!r.incomplete().isEmpty()) {
                System.err.printf("overtune: %s left out of %s: %s; finish the download and run series init again%n",
                        Counts.of(r.incomplete().size(), "incomplete snapshot"), r.file(),
                        String.join(", ", r.incomplete().stream().map(HubCache.Revision::name).toList()));
            }
            return ExitCodes.OK;
        }
    }
}
