package dev.overtune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.train.Evaluator;
import dev.overtune.train.FineTuneRun;
import dev.overtune.train.StepResult;

import java.io.PrintStream;
import java.nio.file.Path;

/** Prints a fine-tune as it goes: aligned lines for people, one JSON object per line for scripts. */
final class ProgressPrinter implements FineTuneRun.Listener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OutputFormat format;
    private final PrintStream out;
    private final long totalSteps;
    private final int tokensPerStep;
    private long started = System.nanoTime();

    ProgressPrinter(OutputFormat format, PrintStream out, long totalSteps, int tokensPerStep) {
        this.format = format;
        this.out = out;
        this.totalSteps = totalSteps;
        this.tokensPerStep = tokensPerStep;
    }

    @Override
    public void onEval(String label, Evaluator.Result r) {
        if (format == OutputFormat.json) {
            emit(JSON.createObjectNode().put("event", "eval").put("when", label).put("loss", r.meanLoss())
                    .put("perplexity", r.perplexity()).put("tokens", r.tokens()));
        } else {
            out.printf("held-out %-6s loss %.4f  perplexity %8.2f  (%d tokens)%n", label, r.meanLoss(), r.perplexity(), r.tokens());
        }
        started = System.nanoTime();
    }

    @Override
    public void onStep(StepResult s) {
        double seconds = (System.nanoTime() - started) / 1e9;
        started = System.nanoTime();
        if (format == OutputFormat.json) {
            emit(JSON.createObjectNode().put("event", "step").put("step", s.step()).put("loss", s.loss())
                    .put("grad_norm", s.gradNorm()).put("lr", s.lr()).put("seconds", seconds));
        } else {
            out.printf("step %4d/%d  loss %.4f  grad-norm %7.3f  lr %.2e  %6.0f tok/s%n", s.step() + 1, totalSteps, s.loss(),
                    s.gradNorm(), s.lr(), tokensPerStep / seconds);
        }
    }

    @Override
    public void onSave(Path dir, long nextStep) {
        if (format == OutputFormat.json) {
            emit(JSON.createObjectNode().put("event", "saved").put("dir", dir.toString()).put("next_step", nextStep));
        } else {
            out.printf("saved %s (resumable at step %d)%n", dir, nextStep);
        }
    }

    @Override
    public void onResume(Path dir, long nextStep) {
        if (format == OutputFormat.json) {
            emit(JSON.createObjectNode().put("event", "resumed").put("dir", dir.toString()).put("next_step", nextStep));
        } else {
            out.printf("resumed from %s at step %d%n", dir, nextStep);
        }
    }

    void summary(FineTuneRun.Summary s) {
        double delta = s.after().meanLoss() - s.before().meanLoss();
        if (format == OutputFormat.json) {
            ObjectNode o = JSON.createObjectNode().put("event", "summary").put("loss_before", s.before().meanLoss())
                    .put("loss_after", s.after().meanLoss()).put("steps", s.totalSteps()).put("steps_now", s.steps().size()).put("train_tokens", s.trainTokens());
            emit(o);
        } else {
            out.printf("held-out loss %.4f -> %.4f (%+.4f) after %d steps on %d training tokens%n",
                    s.before().meanLoss(), s.after().meanLoss(), delta, s.totalSteps(), s.trainTokens());
        }
    }

    private void emit(ObjectNode o) {
        out.println(JsonOutput.line(o));
        out.flush();
    }
}
