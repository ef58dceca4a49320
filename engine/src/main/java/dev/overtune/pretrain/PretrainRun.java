package dev.overtune.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overtune.backend.Backend;
import dev.overtune.backend.Parameters;
import dev.overtune.checkpoint.CheckpointException;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.data.TokenWindows;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;
import dev.overtune.text.Tokenizers;
import dev.overtune.train.Evaluator;
import dev.overtune.train.SampleStats;
import dev.overtune.train.StepResult;
import dev.overtune.train.StreamLoss;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;
import dev.overtune.train.TrainingCheckpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pre-trains a checkpoint series: walks the plan's legs with one trainer, writes each budget's
 * checkpoint (HF layout) and its held-out loss into series.json, and keeps a resumable state in
 * {@code SERIES/.state/}: {@code current} every N steps and at the end of every leg, {@code trunk}
 * where a WSD trunk leg ends. Every step's batch is a function of the step alone and the state is
 * saved exactly, so a run killed anywhere and resumed ends with the same bytes as one never stopped.
 */
public final class PretrainRun {
    public static final String STATE_DIR = ".state";
    static final String CURRENT = "current";
    static final String TRUNK = "trunk";

    /**
     * @param stateEvery save the resumable state every this many steps (and always at the end of a leg)
     */
    public record Options(Path out, String name, boolean resume, long stateEvery) {
        public Options {
            if (stateEvery < 1) {
                throw new IllegalArgumentException("--state-every must be positive, got " + stateEvery);
            }
        }
    }

    private final LanguageModel model;
    private final SeriesPlan plan;
    private final PretrainData data;
    private final Options options;
    private final PretrainListener listener;
    private final Path stateDir;

    private PretrainRun(LanguageModel model, SeriesPlan plan, PretrainData data, Options options, PretrainListener listener) {
        this.model = model;
        this.plan = plan;
        this.data = data;
        this.options = options;
        this.listener = listener;
        this.stateDir = options.out().resolve(STATE_DIR);
    }

    public static PretrainManifest run(Backend backend, LanguageModel model, SeriesPlan plan, PretrainData data, Options options,
                                     PretrainListener listener) {
        plan.settings().requireFits(model);
        data.requireWindows(plan.settings().seqLen());
        data.requireVocabulary(model.vocabSize());
        PretrainManifest manifest = SeriesDirectory.open(options.out(), PretrainManifest.create(options.name(), plan, model, data), options.resume());
        return new PretrainRun(model, plan, data, options, listener).run(backend, manifest);
    }

    private PretrainManifest run(Backend backend, PretrainManifest manifest) {
        if (manifest.complete()) {
            deleteState();
            listener.onStart(plan, plan.totalSteps());
            listener.onFinish(manifest);
            return manifest;
        }
        PretrainSettings s = plan.settings();
        // The config's schedule goes unused: every leg steps with its own.
        TrainConfig config = new TrainConfig(s.batchSize(), s.seqLen(), plan.legs().getFirst().schedule(), s.adam(), s.clipNorm());
        TokenWindows train = new TokenWindows(data.train(), s.seed());
        long evalWindows = data.evalWindows(s.seqLen());
        try (Arena arena = Arena.ofShared()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            // One set where the backend computes, trained and evaluated in place; the host copy meets it at
            // initialisation and restores (syncFromHost) and before each checkpoint is written (syncToHost).
            try (Parameters resident = backend.parameters(params);
                 Trainer trainer = new Trainer(backend, model, resident, config, arena);
                 Evaluator evaluator = new Evaluator(backend, model, resident, s.batchSize(), s.seqLen(), arena)) {
                Position from = restore(trainer);
                long done = plan.stepsBefore(from.leg())
                        + (from.midLeg() ? trainer.nextStep() - plan.legs().get(from.leg()).startStep() : 0);
                listener.onStart(plan, done);
                if (from.restored()) {
                    listener.onResume(done);
                }
                for (int k = from.leg(); k < plan.legs().size(); k++) {
                    SeriesPlan.Leg leg = plan.legs().get(k);
                    if (!(from.midLeg() && k == from.leg())) {
                        enter(leg, trainer, s.seed());
                    }
                    while (trainer.nextStep() < leg.endStep()) {
                        StepResult r = trainer.step(train, leg.schedule());
                        listener.onStep(leg, r);
                        if (trainer.nextStep() < leg.endStep() && trainer.nextStep() % options.stateEvery() == 0) {
                            saveState(CURRENT, trainer, leg);
                        }
                    }
                    finish(leg, trainer, evaluator, evalWindows, manifest);
                }
            }
        }
        manifest.markComplete();
        manifest.write(options.out());
        deleteState();
        listener.onFinish(manifest);
        return manifest;
    }

    /** Where to go on from: a leg to enter, or (midLeg) the leg a restored state is part-way through. */
    private record Position(int leg, boolean midLeg, boolean restored) {}

    /** Restores {@code .state/current} when resuming; without one, the series starts at leg 0. */
    private Position restore(Trainer trainer) {
        Path current = stateDir.resolve(CURRENT);
        if (!options.resume() || !Files.exists(current.resolve(TrainingCheckpoint.STATE))) {
            return new Position(0, false, false);
        }
        JsonNode notes = TrainingCheckpoint.restore(current, trainer);
        int k = notes.path("leg").asInt(-1);
        long step = trainer.nextStep();
        if (k < 0 || k >= plan.legs().size() || step < plan.legs().get(k).startStep() || step > plan.legs().get(k).endStep()) {
            throw new CheckpointException(current + ": leg " + k + " step " + step + " is not part of this series' plan; delete "
                    + stateDir + " to start the series over");
        }
        return step == plan.legs().get(k).endStep() ? new Position(k + 1, false, true) : new Position(k, true, true);
    }

    private void enter(SeriesPlan.Leg leg, Trainer trainer, long seed) {
        switch (leg.start()) {
            case INIT -> {
                trainer.params().initialize(seed);
                trainer.optimizer().reset();
                trainer.syncFromHost();
            }
            case CONTINUE -> { }
            case TRUNK -> TrainingCheckpoint.restore(stateDir.resolve(TRUNK), trainer);
        }
        if (trainer.nextStep() != leg.startStep()) {
            throw new IllegalStateException("leg " + leg.index() + " (" + leg.label() + ") starts at step " + leg.startStep()
                    + " but the trainer is at " + trainer.nextStep());
        }
    }

    private void finish(SeriesPlan.Leg leg, Trainer trainer, Evaluator evaluator, long evalWindows, PretrainManifest manifest) {
        if (leg.endsInCheckpoint()) {
            int b = leg.budget();
            String name = plan.settings().budgets().checkpointName(b);
            Path dir = options.out().resolve(name);
            long budget = plan.settings().budgets().get(b);
            long tokens = plan.trainedTokens(b);
            trainer.syncToHost();
            // Only what the weights are (step, tokens), not which schedule made them: equal weights give equal files.
            ModelWeights.save(dir, model, trainer.params(), Map.of("step", Long.toString(trainer.nextStep()), "tokens", Long.toString(tokens)));
            // The tokenizer beside the weights, so that scan, eval and finetune read the text as training did.
            if (Tokenizers.BUILT_IN.contains(data.tokenizer())) {
                Tokenizers.writeInto(Tokenizers.named(data.tokenizer()), dir);
            }
            Map<String, String> hashes = new LinkedHashMap<>();
            hashes.put(ModelWeights.WEIGHTS, Sha256.of(dir.resolve(ModelWeights.WEIGHTS)));
            hashes.put(ModelWeights.CONFIG, Sha256.of(dir.resolve(ModelWeights.CONFIG)));
            // The scan's protocol (StreamLoss), so series.json's OOD loss is the scan's for the same text and window length.
            double[] ood = StreamLoss.windowLosses(evaluator, data.heldOut(), evalWindows);
            PretrainedCheckpoint c = new PretrainedCheckpoint(name, name, tokens, budget, trainer.nextStep(), hashes, SampleStats.mean(ood),
                    evalWindows * plan.settings().seqLen());
            manifest.put(c);
            manifest.write(options.out());
            listener.onCheckpoint(c);
        }
        if (leg.savesTrunk()) {
            saveState(TRUNK, trainer, leg);
        }
        saveState(CURRENT, trainer, leg);
    }

    private void saveState(String which, Trainer trainer, SeriesPlan.Leg leg) {
        ObjectNode notes = JsonNodeFactory.instance.objectNode()
                .put("leg", leg.index())
                .put("leg_label", leg.label());
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + stateDir + ": " + e.getMessage(), e);
        }
        TrainingCheckpoint.save(stateDir.resolve(which), trainer, notes);
    }

    private void deleteState() {
        try {
            TrainingCheckpoint.deleteRecursively(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + stateDir + ": " + e.getMessage(), e);
        }
    }
}
