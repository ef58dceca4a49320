package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.backend.Backend;
import dev.overtune.backend.OrtBackend;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.model.LanguageModel;
import dev.overtune.pretrain.PretrainData;
import dev.overtune.pretrain.PretrainListener;
import dev.overtune.pretrain.PretrainSettings;
import dev.overtune.pretrain.PretrainedCheckpoint;
import dev.overtune.pretrain.PretrainManifest;
import dev.overtune.pretrain.SeriesPlan;
import dev.overtune.pretrain.TokenCount;
import dev.overtune.train.StepResult;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Prints a pre-training run: results on stdout (aligned lines, or one JSON object per line), and a
 * progress line on stderr with tokens/s, loss and ETA, rewritten in place on a terminal and printed
 * as a new line every {@link #PERIODIC_NANOS} otherwise, so logs stay readable.
 */
final class PretrainPrinter implements PretrainListener {
    static final long PERIODIC_NANOS = 15_000_000_000L;
    static final long REDRAW_NANOS = 200_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the header says about the run besides its plan. */
    record Run(LanguageModel model, String origin, PretrainData data, Path out, Backend backend) {}

    private final Run run;
    private final OutputFormat format;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;
    private final long everyNanos;
    private long tokensPerStep;
    private long totalSteps;
    private long startDone;
    private long done;
    private long started;
    private long lastShown;
    private double smoothedLoss = Double.NaN;
    private boolean lineOpen;

    /** Progress on System.err, redrawn on a terminal, periodic lines otherwise. */
    static PretrainPrinter toStandardStreams(Run run, OutputFormat format) {
        boolean terminal = Terminal.stderrIsTerminal();
        return new PretrainPrinter(run, format, System.out, System.err, terminal, terminal ? REDRAW_NANOS : PERIODIC_NANOS);
    }

    PretrainPrinter(Run run, OutputFormat format, PrintStream out, PrintStream err, boolean terminal, long everyNanos) {
        this.run = run;
        this.format = format;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
        this.everyNanos = everyNanos;
    }

    @Override
    public void onStart(SeriesPlan plan, long stepsDone) {
        header(plan);
        this.tokensPerStep = plan.settings().tokensPerStep();
        this.totalSteps = plan.totalSteps();
        this.startDone = stepsDone;
        this.done = stepsDone;
        this.started = System.nanoTime();
        this.lastShown = started;
    }

    @Override
    public void onResume(long stepsDone) {
        if (format == OutputFormat.json) {
            emit(JSON.createObjectNode().put("event", "resumed").put("steps_done", stepsDone));
        } else {
            out.printf("resumed at step %,d of the plan%n", stepsDone);
            out.flush();
        }
    }

    @Override
    public void onStep(SeriesPlan.Leg leg, StepResult step) {
        done++;
        smoothedLoss = Double.isNaN(smoothedLoss) ? step.loss() : 0.95 * smoothedLoss + 0.05 * step.loss();
        long now = System.nanoTime();
        if (now - lastShown >= everyNanos) {
            lastShown = now;
            progress(leg.label());
        }
    }

    @Override
    public void onCheckpoint(PretrainedCheckpoint c) {
        clearLine();
        if (format == OutputFormat.json) {
            emit(JSON.createObjectNode().put("event", "checkpoint").put("name", c.name()).put("path", c.path())
                    .put("tokens", c.tokens()).put("budget", c.budget()).put("step", c.step()).put("ood_loss", c.oodLoss())
                    .put("sha256", c.sha256().get(ModelWeights.WEIGHTS)));
        } else {
            out.printf("%-14s step %,9d  %s tokens trained  ood loss %.4f  model.safetensors sha256 %s%n", c.name(), c.step(),
                    human(c.tokens()), c.oodLoss(), c.sha256().get(ModelWeights.WEIGHTS));
            out.flush();
        }
    }

    @Override
    public void onFinish(PretrainManifest manifest) {
        clearLine();
        double seconds = (System.nanoTime() - started) / 1e9;
        long steps = done - startDone;
        double rate = seconds > 0 ? steps * tokensPerStep / seconds : 0;
        if (format == OutputFormat.json) {
            emit(JSON.createObjectNode().put("event", "done").put("series", manifest.name()).put("checkpoints", manifest.checkpoints().size())
                    .put("steps", steps).put("seconds", seconds).put("tokens_per_second", rate));
        } else {
            out.printf("series '%s': %d checkpoints listed in series.json; %,d steps this run in %s (%,.0f tok/s)%n", manifest.name(),
                    manifest.checkpoints().size(), steps, Terminal.duration(seconds), rate);
            out.flush();
        }
        if (!terminal && steps > 0) {
            err.printf("pretrain: done, %,d steps in %s, %,.0f tok/s%n", steps, Terminal.duration(seconds), rate);
            err.flush();
        }
    }

    private void header(SeriesPlan plan) {
        LanguageModel model = run.model();
        PretrainData data = run.data();
        Backend backend = run.backend();
        PretrainSettings s = plan.settings();
        long params = model.params().stream().mapToLong(p -> p.shape().size()).sum();
        if (format == OutputFormat.json) {
            ObjectNode start = JSON.createObjectNode().put("event", "start").put("series", run.out().toString()).put("model", run.origin())
                    .put("parameters", params).put("tokenizer", data.tokenizer()).put("train_tokens", data.train().length)
                    .put("ood_tokens", data.heldOut().length).put("schedule", s.schedule().name())
                    .put("tokens_per_step", s.tokensPerStep()).put("optimizer_steps", plan.totalSteps())
                    .put("backend", backend.name());
            s.budgets().tokens().forEach(start.putArray("budgets")::add); // token counts, not their labels
            if (backend instanceof OrtBackend ort) {
                start.put("threads", ort.threads());
            }
            emit(start);
            return;
        }
        out.printf("%s: %s, %,d parameters, random init (seed %d); tokenizer %s%n", model.family(), run.origin(), params, s.seed(), data.tokenizer());
        out.printf("corpus %s: %d file%s, %,d training tokens; %,d held out for the OOD loss (%s)%n", data.source(), data.files(),
                data.files() == 1 ? "" : "s", data.train().length, data.heldOut().length,
                data.split() != null ? Math.round(100 * data.split().fraction()) + "% of the corpus" : "from " + data.heldOutSource());
        out.printf("schedule %s, budgets %s: %d x %d = %,d tokens/step, %,d optimizer steps (%s tokens), warm-up %d, %s%n",
                s.schedule(), s.budgets(), s.batchSize(), s.seqLen(), s.tokensPerStep(), plan.totalSteps(),
                human(plan.totalSteps() * s.tokensPerStep()), plan.warmupSteps(), BackendOption.describe(backend));
        out.flush();
    }

    private void progress(String what) {
        double seconds = (System.nanoTime() - started) / 1e9;
        long steps = done - startDone;
        double rate = seconds > 0 ? steps * tokensPerStep / seconds : 0;
        double eta = steps > 0 ? (totalSteps - done) * seconds / steps : Double.NaN;
        String line = String.format("pretrain %5.1f%%  %s/%s tok  %,.0f tok/s  loss %.3f  ETA %s  [%s]", 100.0 * done / totalSteps,
                human(done * tokensPerStep), human(totalSteps * tokensPerStep), rate, smoothedLoss, Terminal.duration(eta), what);
        if (terminal) {
            err.print("\r\033[K" + line);
            lineOpen = true;
        } else {
            err.println(line);
        }
        err.flush();
    }

    private void clearLine() {
        if (lineOpen) {
            err.print("\r\033[K");
            err.flush();
            lineOpen = false;
        }
    }

    private void emit(ObjectNode o) {
        out.println(JsonOutput.line(o));
        out.flush();
    }

    static String human(long tokens) {
        return TokenCount.format(tokens);
    }
}
