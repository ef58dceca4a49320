package dev.overtune.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.backend.Backend;
import dev.overtune.backend.Parameters;
import dev.overtune.data.TokenWindows;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Fine-tunes a model on one token stream: the last part of the stream is held out, evaluated
 * before and after; the rest is cut into random windows per step. Optionally saves a resumable
 * state every N steps and at the end, and resumes from it.
 */
public final class FineTuneRun {
    /**
     * Where and how often to save; {@code dir == null} saves nothing. {@code extraFiles} writes what
     * else belongs in each saved directory (the tokenizer) before it replaces the previous one.
     */
    public record Saving(Path dir, long every, boolean resume, Consumer<Path> extraFiles) {
        public Saving(Path dir, long every, boolean resume) {
            this(dir, every, resume, d -> { });
        }

        public static Saving none() {
            return new Saving(null, 0, false);
        }
    }

    public interface Listener {
        default void onEval(String label, Evaluator.Result result) {}

        default void onStep(StepResult step) {}

        default void onSave(Path dir, long nextStep) {}

        default void onResume(Path dir, long nextStep) {}
    }

    /** steps: those run now; totalSteps: all the run's steps, including those before a resume. */
    public record Summary(Evaluator.Result before, Evaluator.Result after, List<StepResult> steps, long totalSteps, long trainTokens) {}

    /** Fraction of the tokens held out for evaluation. */
    public static final double HELD_OUT = 0.1;
    /** Evaluation is capped so that a large text does not make it dominate. */
    public static final int MAX_EVAL_BATCHES = 16;

    private FineTuneRun() {}

    /** A resume must continue the same run: same settings, same data order, same text. */
    private static void requireSameRun(Path dir, JsonNode state, TrainConfig config, long dataSeed, String textHash) {
        JsonNode notes = state.path("notes");
        String differs = null;
        // Compared as text: a parsed 2 is an IntNode, the record's long 2 a LongNode, and those are not equal.
        if (!state.path("train_config").toString().equals(TrainingCheckpoint.describe(config).toString())) {
            differs = "training settings (steps, batch, sequence length, learning rates or optimizer)";
        } else if (notes.path("data_seed").asLong(Long.MIN_VALUE) != dataSeed) {
            differs = "seed";
        } else if (!textHash.equals(notes.path("text_sha256").asText())) {
            differs = "text";
        }
        if (differs != null) {
            throw new IllegalArgumentException(dir + " holds a run with other " + differs
                    + "; resume with the flags and text it was started with, or --save elsewhere");
        }
    }

    /** A short content hash of a token stream. */
    private static final class TextHash {
        static String of(int[] tokens) {
            try {
                java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(tokens.length * 4);
                b.asIntBuffer().put(tokens);
                return java.util.HexFormat.of().formatHex(d.digest(b.array()));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static Summary run(Backend backend, LanguageModel model, ParamStore params, int[] tokens, TrainConfig config,
                              long dataSeed, Saving saving, Listener listener) {
        int seq = config.seqLen();
        int heldOut = Math.max(seq + 1, (int) (tokens.length * HELD_OUT));
        if (tokens.length - heldOut < seq + 1) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens; fine-tuning with --seq-len " + seq
                    + " needs at least " + (2 * (seq + 1)) + " (training windows plus a held-out part): give more text or a shorter --seq-len");
        }
        TokenWindows train = new TokenWindows(Arrays.copyOfRange(tokens, 0, tokens.length - heldOut), dataSeed);
        TokenWindows eval = new TokenWindows(Arrays.copyOfRange(tokens, tokens.length - heldOut, tokens.length), dataSeed);
        long evalBatches = Math.min(MAX_EVAL_BATCHES, eval.sequentialBatches(config.batchSize(), seq));

        try (Arena arena = Arena.ofShared();
             Parameters resident = backend.parameters(params);
             Evaluator evaluator = new Evaluator(backend, model, resident, config.batchSize(), seq, arena);
             Trainer trainer = new Trainer(backend, model, resident, config, arena)) {
            resident.syncFromHost();
            String textHash = TextHash.of(tokens);
            Evaluator.Result before = null;
            if (saving.resume() && saving.dir() != null && TrainingCheckpoint.exists(saving.dir())) {
                JsonNode state = TrainingCheckpoint.readState(saving.dir());
                requireSameRun(saving.dir(), state, config, dataSeed, textHash);
                TrainingCheckpoint.restore(saving.dir(), trainer);
                JsonNode notes = state.path("notes");
                before = new Evaluator.Result(notes.path("loss_before").asDouble(), notes.path("tokens_before").asLong());
                listener.onResume(saving.dir(), trainer.nextStep());
            } else {
                before = evaluator.evaluate(eval.sequential(), evalBatches);
            }
            listener.onEval("before", before);
            List<StepResult> steps = new ArrayList<>();
            long total = config.schedule().totalSteps();
            while (trainer.nextStep() < total) {
                StepResult r = trainer.step(train);
                steps.add(r);
                listener.onStep(r);
                boolean last = trainer.nextStep() == total;
                if (saving.dir() != null && (last || (saving.every() > 0 && trainer.nextStep() % saving.every() == 0))) {
                    ObjectNode notes = JsonNodeFactory.instance.objectNode().put("data_seed", dataSeed).put("tokens", tokens.length)
                            .put("text_sha256", textHash).put("loss_before", before.meanLoss()).put("tokens_before", before.tokens());
                    TrainingCheckpoint.save(saving.dir(), trainer, notes, saving.extraFiles());
                    listener.onSave(saving.dir(), trainer.nextStep());
                }
            }
            trainer.syncToHost();
            Evaluator.Result after = evaluator.evaluate(eval.sequential(), evalBatches);
            listener.onEval("after", after);
            return new Summary(before, after, steps, trainer.nextStep(), train.length());
        }
    }
}
