package dev.overtune.cli;

import dev.overtune.train.FineTuneRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Fine-tunes the tiny GPT-2 preset on the shipped sample text and shows the held-out loss fall. "
                + "(The full demo scan across a checkpoint series replaces this once the scan exists.)")
final class DemoCommand implements Callable<Integer> {
    static final String SAMPLE = "/dev/overtune/demo/sample.txt";

    @Option(names = "--format", defaultValue = "text", description = "text or json (JSON Lines) (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Mixin
    TrainOptions options;

    @Override
    public Integer call() {
        FineTuner.run("tiny", sampleText(), options, FineTuneRun.Saving.none(), format, System.out);
        return ExitCodes.OK;
    }

    static String sampleText() {
        try (InputStream in = DemoCommand.class.getResourceAsStream(SAMPLE)) {
            if (in == null) {
                throw new IllegalStateException("the demo text " + SAMPLE + " is missing from the jar; rebuild with bin/test");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
