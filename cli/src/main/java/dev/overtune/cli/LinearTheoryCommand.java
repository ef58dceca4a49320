package dev.overtune.cli;

import dev.overtune.backend.Backend;
import dev.overtune.pretrain.PretrainListener;
import dev.overtune.pretrain.PretrainedCheckpoint;
import dev.overtune.pretrain.TokenCount;
import dev.overtune.scan.ScanListener;
import dev.overtune.synth.LinearTheory;
import dev.overtune.synth.LinearTheory.Alignment;
import dev.overtune.synth.LinearTheoryRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Ground truth for the report: the paper's linear theory (§4) run through pretrain → scan → report on
 * synthetic data whose answer is known (an inflection on the misaligned task, none on the aligned one,
 * growing noise sensitivity).
 */
@Command(name = "linear-theory", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pre-trains the paper's two-layer linear network (§4) by gradient descent on synthetic bigram text "
                + "with a known spectrum, scans the series with a misaligned and an aligned fine-tuning task, and writes a "
                + "report for each. The theory predicts an inflection on the misaligned task only, and growing sensitivity "
                + "to noise of fixed size. About a minute on 2 idle cores (--quick: seconds, too small to conclude anything); rerun to resume.",
                "Writes OUT/series, OUT/misaligned.db, OUT/aligned.db, OUT/report-misaligned/ and OUT/report-aligned/."})
final class LinearTheoryCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "linear-theory-out", description = "Where everything goes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the maps and the samples (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ThreadsOption threadsOption;

    @Option(names = "--quick", description = "A few seconds: 3 checkpoints, one seed, two rates; checks the path, concludes nothing.")
    boolean quick;

    @Mixin
    BackendOption backendOption;

    @Override
    public Integer call() {
        int nThreads = threadsOption.resolve();
        LinearTheory theory = LinearTheory.defaults(seed);
        LinearTheoryRun.Plan plan = quick ? LinearTheoryRun.Plan.QUICK : LinearTheoryRun.Plan.DEFAULT;
        System.out.printf(Locale.ROOT, "linear theory, seed %d: A has singular values %s over %d tokens; %s budgets %s%n", seed,
                java.util.Arrays.toString(java.util.Arrays.stream(theory.singularValues()).map(v -> Math.round(v * 100) / 100.0).toArray()),
                theory.vocab(), "gradient descent at rate " + plan.gdRate() + ",", plan.budgets());
        LinearTheoryRun.Outcome outcome;
        try (Backend backend = backendOption.open(nThreads)) {
            outcome = LinearTheoryRun.run(backend, theory, plan, out, nThreads, new PretrainListener() {
                @Override
                public void onCheckpoint(PretrainedCheckpoint c) {
                    System.out.printf(Locale.ROOT, "  %s (%s tokens): held-out loss %.4f%n", c.name(), TokenCount.label(c.tokens()), c.oodLoss());
                }
            }, new ScanListener() {
                @Override
                public void started(int unitsInPlan, int pending) {
                    System.out.printf("  scan: %d units, %d to run%n", unitsInPlan, pending);
                }
            });
        }
        for (Map.Entry<Alignment, Path> e : outcome.stores().entrySet()) {
            String name = e.getKey().name().toLowerCase(Locale.ROOT);
            List<String> report = List.of("report", e.getValue().toString(), "--out", out.resolve("report-" + name).toString());
            System.out.printf("%n%s fine-tuning task%n$ overtune %s%n", name, String.join(" ", report));
            int code = Main.commandLine().execute(report.toArray(String[]::new));
            if (code != ExitCodes.OK) {
                return code;
            }
        }
        return ExitCodes.OK;
    }
}
