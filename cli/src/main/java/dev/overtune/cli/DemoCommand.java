package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.text.Corpus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The README's main job: pre-train a small series on the shipped WordNet text, scan it with every
 * probe, and write the report. It runs the real commands in turn, so it shows exactly what a user
 * would type; run it again and it resumes where it stopped.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pre-trains a checkpoint series of the 'overtrained' preset on the shipped WordNet glosses "
                + "(warm-up-stable-decay, every checkpoint annealed to a learning rate of 0 as in the paper), scans it (fine-tuning on the Jargon File, "
                + "Gaussian noise, quantisation) and writes the report. Under 10 minutes on 2 cores; rerun to resume.",
                "It runs: overtune pretrain, overtune scan, overtune report."})
final class DemoCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SAMPLE = "/dev/overtune/demo/sample.txt";
    static final String DEMO_LRS = "1e-3,3e-3,1e-2,3e-2";

    @Option(names = "--out", defaultValue = "demo-out", description = "Where the series, the store and the report go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--model", defaultValue = "overtrained", description = "The preset to pre-train (default: ${DEFAULT-VALUE}: 35,712 parameters).")
    String model;

    @Option(names = "--budgets", defaultValue = "125K,250K,500K,1M,2M,4M,8M",
            description = "Pre-training token budgets, one checkpoint each (default: ${DEFAULT-VALUE}: seven, so a permutation test over "
                    + "their order can reach p = 1/7! = 0.0002, and all within one pass over the 11M-token corpus).")
    String budgets;

    @Option(names = "--task", defaultValue = "jargon-lm", description = "The fine-tuning task (default: ${DEFAULT-VALUE}, a domain shift from WordNet).")
    String task;

    @Option(names = "--quick", description = "A version of well under a minute: smaller budgets and a smaller scan (for a first look or a smoke test).")
    boolean quick;

    @Mixin
    ThreadsOption threadsOption;

    @Option(names = "--no-report", description = "Stop after the scan (e.g. to compare the stores of two backends).")
    boolean noReport;

    @Option(names = "--format", defaultValue = "text",
            description = "text or json: JSON Lines, a command event before each step, then that step's own JSON output (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Mixin
    BackendOption backendOption;

    @Override
    public Integer call() {
        // Before the corpus is extracted: a backend that cannot be had leaves no output directory behind.
        backendOption.requireAvailable(threadsOption.resolve());
        Path corpus = out.resolve("corpus");
        Path pretrainText = extract(Corpus.WORDNET_PRETRAIN, corpus);
        Path oodText = extract(Corpus.WORDNET_OOD, corpus);
        Path series = out.resolve("series");
        Path store = out.resolve("scan.db");
        Path report = out.resolve("report");

        List<String> pretrain = new ArrayList<>(List.of("pretrain", "--model", model, "--corpus", pretrainText.toString(),
                "--ood", oodText.toString(), "--budgets", quick ? "64K,128K,256K" : budgets, "--schedule", "wsd", "--min-lr", "0",
                "--out", series.toString(), "--resume"));
        List<String> scan = new ArrayList<>(List.of("scan", series.toString(), "--task", task, "--ood", oodText.toString(),
                "--store", store.toString()));
        if (!quick) {
            // Brackets the best fine-tuning rate at every checkpoint of the default series (0.01 is best at 125K).
            scan.addAll(List.of("--lrs", DEMO_LRS));
        } else {
            scan.addAll(List.of("--lrs", "3e-3", "--seeds", "0,1,2", "--ft-steps", "10", "--gammas", "1", "--samples", "3",
                    "--quant", "int8,int4", "--eval-batches", "2"));
        }
        pretrain.addAll(backendOption.forwarded());
        scan.addAll(backendOption.forwarded());
        if (threadsOption.threads != null) {
            pretrain.addAll(List.of("--threads", threadsOption.threads.toString()));
            scan.addAll(List.of("--threads", threadsOption.threads.toString()));
        }
        List<String> reportArgs = new ArrayList<>(List.of("report", store.toString(), "--out", report.toString()));
        boolean json = format == OutputFormat.json;
        if (json) {
            for (List<String> step : List.of(pretrain, scan, reportArgs)) {
                step.addAll(List.of("--format", "json"));
            }
        }

        for (List<String> step : noReport ? List.of(pretrain, scan) : List.of(pretrain, scan, reportArgs)) {
            if (json) {
                ObjectNode event = JSON.createObjectNode().put("event", "command").put("command", step.getFirst());
                step.forEach(event.putArray("argv")::add);
                System.out.println(JsonOutput.line(event));
            } else {
                System.out.println();
                System.out.println("$ overtune " + String.join(" ", step));
            }
            System.out.flush();
            int code = Main.commandLine().execute(step.toArray(String[]::new));
            if (code != ExitCodes.OK) {
                return code;
            }
        }
        if (json) {
            ObjectNode done = JSON.createObjectNode().put("event", "done").put("series", series.toString()).put("store", store.toString());
            done.put("report", noReport ? null : report.resolve("report.html").toString());
            System.out.println(JsonOutput.line(done));
        } else if (noReport) {
            System.out.printf("%nThe store is %s; write its report with: overtune report %s --out %s%n", store, store, report);
        } else {
            System.out.printf("%nThe report is %s; the store %s can be reported again or extended with more checkpoints.%n",
                    report.resolve("report.html"), store);
        }
        return ExitCodes.OK;
    }

    /** Copies a shipped corpus file out of the jar once, so the commands can read it as a file. */
    static Path extract(Corpus corpus, Path dir) {
        Path file = dir.resolve(corpus.id() + ".txt.gz");
        if (Files.exists(file)) {
            return file;
        }
        try (InputStream in = DemoCommand.class.getResourceAsStream(corpus.resource())) {
            if (in == null) {
                throw new IllegalStateException("the shipped corpus " + corpus.resource() + " is missing from the jar; rebuild with bin/test");
            }
            Files.createDirectories(dir);
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static String sampleText() {
        try (InputStream in = DemoCommand.class.getResourceAsStream(SAMPLE)) {
            if (in == null) {
                throw new IllegalStateException("the sample text " + SAMPLE + " is missing from the jar; rebuild with bin/test");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
