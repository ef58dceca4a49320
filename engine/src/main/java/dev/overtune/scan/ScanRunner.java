package dev.overtune.scan;

import dev.overtune.backend.Backend;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Perturbations;
import dev.overtune.probe.Quantization;
import dev.overtune.train.AdamW;
import dev.overtune.train.BatchSource;
import dev.overtune.train.Evaluator;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.StepResult;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the pending units of a plan checkpoint by checkpoint: each checkpoint is loaded once, every
 * graph is compiled once for the whole scan, and each finished unit is stored before the next
 * starts. A checkpoint that fails to load, or a unit that fails (a diverging fine-tune), is stored
 * as a failed unit with its reason, and the scan goes on.
 */
public final class ScanRunner {
    private final Backend backend;
    private final LanguageModel model;
    private final ScanTask task;
    private final int[] oodTokens;
    private final ScanSettings settings;
    private final ResultStore store;
    private final ScanListener listener;

    public ScanRunner(Backend backend, LanguageModel model, ScanTask task, int[] oodTokens, ScanSettings settings,
                      ResultStore store, ScanListener listener) {
        this.backend = backend;
        this.model = model;
        this.task = task;
        this.oodTokens = oodTokens;
        this.settings = settings;
        this.store = store;
        this.listener = listener;
    }

    /** Runs every unit not yet in the store; returns how many were run now. */
    public int run(List<Unit> units) {
        Set<String> finished = store.finishedIds();
        List<Unit> pending = units.stream().filter(u -> !finished.contains(u.id())).toList();
        listener.started(units.size(), pending.size());
        if (pending.isEmpty()) {
            return 0;
        }
        ScanSettings.Eval ev = settings.eval();
        ScanSettings.FineTune ft = settings.fineTune();
        int done = 0;
        try (Arena arena = Arena.ofShared();
             Perturbations perturb = new Perturbations(settings.threads())) {
            ParamStore base = ParamStore.allocate(arena, model.params());
            ParamStore work = ParamStore.allocate(arena, model.params());
            Evaluator evaluator = new Evaluator(backend, model, work, ev.batchSize(), ev.seqLen(), arena);
            Trainer trainer = null;
            try {
                if (needsTrainer(pending)) {
                    trainer = new Trainer(backend, model, work, fineTuneConfig(ft, ft.learningRates().get(0)), arena);
                }
                for (Map.Entry<ScanCheckpoint, List<Unit>> e : ScanPlan.byCheckpoint(pending).entrySet()) {
                    ScanCheckpoint checkpoint = e.getKey();
                    listener.checkpointStarted(checkpoint, e.getValue().size());
                    String loadFailure = load(checkpoint, base);
                    for (Unit unit : e.getValue()) {
                        long started = System.nanoTime();
                        UnitResult result;
                        if (loadFailure != null) {
                            result = failed(unit, loadFailure, started);
                        } else {
                            try {
                                result = switch (unit.probe()) {
                                    case BASE -> measureBase(unit, base, work, evaluator, started);
                                    case FINETUNE -> fineTune(unit, base, work, evaluator, trainer, started);
                                    case NOISE -> noise(unit, base, work, evaluator, perturb, started);
                                    case QUANT -> quant(unit, base, work, evaluator, perturb, started);
                                };
                            } catch (RuntimeException ex) {
                                result = failed(unit, ex.getMessage() == null ? ex.toString() : ex.getMessage(), started);
                            }
                        }
                        store.record(result);
                        listener.unitFinished(result, ++done, pending.size());
                    }
                }
            } finally {
                evaluator.close();
                if (trainer != null) {
                    trainer.close();
                }
            }
        }
        return done;
    }

    private static boolean needsTrainer(List<Unit> units) {
        return units.stream().anyMatch(u -> u.probe() == Probe.FINETUNE);
    }

    /** Loads the checkpoint into base; returns why it could not be loaded, or null. */
    private String load(ScanCheckpoint checkpoint, ParamStore base) {
        try {
            LanguageModel own = ModelConfigs.resolve(checkpoint.dir().toString());
            if (!own.configJson().equals(model.configJson())) {
                return checkpoint.dir() + ": config.json differs from the series' first checkpoint; a scan needs one architecture";
            }
            try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(checkpoint.dir())) {
                ModelWeights.load(ckpt, model, base);
            }
            return null;
        } catch (RuntimeException e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }

    private UnitResult measureBase(Unit unit, ParamStore base, ParamStore work, Evaluator evaluator, long started) {
        work.copyFrom(base);
        return done(unit, taskAndOod(evaluator), List.of(), started);
    }

    /** The task's validation and test scores and the OOD loss, each with its samples. */
    private Scores taskAndOod(Evaluator evaluator) {
        return task.score(evaluator, settings.eval().maxBatches()).putAll(ood(evaluator));
    }

    private Scores ood(Evaluator evaluator) {
        return new Scores().sampled("ood_loss", TextTask.oodWindowLosses(evaluator, oodTokens, settings.eval().maxBatches()));
    }

    private UnitResult fineTune(Unit unit, ParamStore base, ParamStore work, Evaluator evaluator, Trainer trainer, long started) {
        ScanSettings.FineTune ft = settings.fineTune();
        double lr = Double.parseDouble(unit.setting().get("lr"));
        work.copyFrom(base);
        trainer.restart(fineTuneConfig(ft, lr));
        trainer.anchorTo(base, ft.l2ToInit());
        BatchSource data = task.train(unit.seed());
        List<Double> curve = new ArrayList<>();
        while (trainer.nextStep() < ft.steps()) {
            StepResult r = trainer.step(data);
            curve.add(r.loss());
        }
        trainer.syncToHost();
        return done(unit, taskAndOod(evaluator).put("train_loss_last", curve.get(curve.size() - 1)), curve, started);
    }

    private UnitResult noise(Unit unit, ParamStore base, ParamStore work, Evaluator evaluator, Perturbations perturb, long started) {
        double gamma = Double.parseDouble(unit.setting().get("gamma"));
        NoiseScale scale = NoiseScale.parse(unit.setting().get("scale"));
        // The stream keys each (γ, sample) apart; the seed is the sample's own.
        perturb.addNoise(base, work, scale, gamma, unit.seed(), Double.hashCode(gamma));
        return done(unit, ood(evaluator), List.of(), started);
    }

    private UnitResult quant(Unit unit, ParamStore base, ParamStore work, Evaluator evaluator, Perturbations perturb, long started) {
        Quantization q = new Quantization(Integer.parseInt(unit.setting().get("bits")), Integer.parseInt(unit.setting().get("group")));
        perturb.quantize(base, work, q, model::outputAxis);
        return done(unit, taskAndOod(evaluator), List.of(), started);
    }

    static TrainConfig fineTuneConfig(ScanSettings.FineTune ft, double lr) {
        AdamW.Config d = AdamW.Config.defaults();
        return new TrainConfig(ft.batchSize(), ft.seqLen(), new LrSchedule(lr, lr / 10, ft.warmupSteps(), ft.steps()),
                new AdamW.Config(d.beta1(), d.beta2(), d.eps(), ft.weightDecay()), 1.0);
    }

    private UnitResult done(Unit u, Scores scores, List<Double> curve, long started) {
        for (Map.Entry<String, Double> e : scores.metrics().entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                return failed(u, e.getKey() + " is " + e.getValue(), started);
            }
        }
        return result(u, UnitResult.Status.DONE, scores, curve, null, started);
    }

    private UnitResult failed(Unit u, String reason, long started) {
        return result(u, UnitResult.Status.FAILED, new Scores(), List.of(), reason, started);
    }

    private UnitResult result(Unit u, UnitResult.Status status, Scores scores, List<Double> curve, String reason, long started) {
        return new UnitResult(u.id(), u.checkpoint().name(), u.checkpoint().tokens(), u.probe(), u.setting(), u.seed(), status,
                scores.metrics(), curve, reason, backend.name(), BuildInfo.engineVersion(), BuildInfo.gitHash(), (System.nanoTime() - started) / 1e9,
                scores.samples());
    }
}
