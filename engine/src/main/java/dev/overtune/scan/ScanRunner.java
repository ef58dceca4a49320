package dev.overtune.scan;

import dev.overtune.backend.Backend;
import dev.overtune.backend.HostParameters;
import dev.overtune.backend.Parameters;
import dev.overtune.build.BuildInfo;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.MetricKeys;
import dev.overtune.probe.Perturber;
import dev.overtune.probe.Probe;
import dev.overtune.probe.ProbeBench;
import dev.overtune.train.DivergenceException;
import dev.overtune.train.Evaluator;
import dev.overtune.train.MemberEvaluator;
import dev.overtune.train.MemberTrainer;
import dev.overtune.train.Trainer;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs the pending units of a plan checkpoint by checkpoint: each checkpoint is loaded once and handed
 * to the backend once (one upload on a GPU), every graph is compiled once for the whole scan, and each
 * finished unit is stored before the next starts. The base parameters and the unit's working copy live
 * where the backend computes: fine-tuning, noise, quantisation and evaluation all work on them there. A
 * checkpoint that fails to load, or a unit that fails (a diverging fine-tune), is stored as a failed unit with
 * its reason, and the scan goes on.
 */
public final class ScanRunner {
    private final Backend backend;
    private final LanguageModel model;
    private final ScanTask task;
    private final int[] oodTokens;
    private final ScanSettings settings;
    private final ScanStore store;
    private final ScanListener listener;
    private static final String DIVERGED = Divergence.PREFIX;
    private FineTunedCheckpoints fineTuned;
    /** How often the claims of a batch's other members are renewed while it runs (the first member's renews itself). */
    private static final long MEMBER_RENEWAL_SECONDS = 20;
    /** {@link #members}: as many as {@link MemberEvaluator#membersFor} fits in memory. */
    public static final int MEMBERS_FROM_MEMORY = 0;
    private int maxMembers = MEMBERS_FROM_MEMORY;
    private long memberBudget = MemberTrainer.BUDGET_BYTES;

    public ScanRunner(Backend backend, LanguageModel model, ScanTask task, int[] oodTokens, ScanSettings settings,
                      ScanStore store, ScanListener listener) {
        this.backend = backend;
        this.model = model;
        this.task = task;
        this.oodTokens = oodTokens;
        this.settings = settings;
        this.store = store;
        this.listener = listener;
    }

    /** Keeps every model this runner fine-tunes (null: none). */
    public ScanRunner keepFineTuned(FineTunedCheckpoints checkpoints) {
        this.fineTuned = checkpoints;
        return this;
    }

    /**
     * At most how many noise draws, or base and quantisation units, of a checkpoint are evaluated together in one
     * member-axis forward ({@link MemberEvaluator}), and how many of its fine-tunes are trained together in one
     * member-axis training graph ({@link MemberTrainer}): 1 runs them one by one, {@link #MEMBERS_FROM_MEMORY} (the
     * default) as many as memory allows. Each draw and each fine-tune is still its own unit, stored on its own.
     */
    public ScanRunner members(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("members must be 1 or more (0: from memory), got " + max);
        }
        this.maxMembers = max;
        return this;
    }

    /** The memory the member graphs of {@link #MEMBERS_FROM_MEMORY} may fill (a scan's lanes each take their share). */
    public ScanRunner memberBudget(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("a member budget must be positive, got " + bytes);
        }
        this.memberBudget = bytes;
        return this;
    }

    /** Runs every unit not yet in the store; returns how many were run now. */
    public int run(List<Unit> units) {
        return run(units, false);
    }

    /**
     * Runs every unit of {@code units} not yet in the store, and with {@code retryFailed} the failed ones again,
     * each under a claim in the store so that scans sharing it split the work; returns how many were run now.
     */
    public int run(List<Unit> units, boolean retryFailed) {
        Map<String, UnitResult.Status> stored = store.storedStatus();
        Set<String> failed = units.stream().map(Unit::id).filter(id -> stored.get(id) == UnitResult.Status.FAILED)
                .collect(Collectors.toSet());
        Set<String> retry = retryFailed ? failed : Set.of();
        List<Unit> pending = units.stream().filter(u -> !stored.containsKey(u.id()) || retry.contains(u.id())).toList();
        listener.started(units.size(), pending.size(), failed.size(), retry.size());
        if (pending.isEmpty()) {
            return 0;
        }
        ScanSettings.Eval ev = settings.eval();
        ScanSettings.FineTune ft = settings.fineTune();
        UnitClaims claims = store.claims();
        int done = 0;
        try (Arena arena = Arena.ofShared();
             Parameters base = backend.parameters(ParamStore.allocate(arena, model.params()));
             Parameters work = backend.parameters(ParamStore.allocate(arena, model.params()));
             Perturber perturb = Perturber.on(backend, settings.threads())) {
            Evaluator evaluator = new Evaluator(backend, model, work, ev.batchSize(), ev.seqLen(), arena);
            Trainer trainer = null;
            MemberEvaluators members = null;
            MemberTrainer memberTrainer = null;
            try {
                members = memberEvaluators(work, arena);
                Map<MemberGroup, Integer> groupSizes = groupSizes(pending);
                memberTrainer = memberTrainer(pending, work, arena);
                if (needsTrainer(pending) && memberTrainer == null) {
                    trainer = new Trainer(backend, model, work, ft.trainConfig(ft.learningRates().get(0)), arena);
                }
                ProbeBench bench = new ProbeBench(base, work, perturb, model::outputAxis, trainer, ft, task::train);
                Map<ScanCheckpoint, List<Unit>> byCheckpoint = ScanPlan.byCheckpoint(pending);
                List<Unit> unclaimed = new ArrayList<>(pending);
                ScanCheckpoint loaded = null;
                String loadFailure = null;
                boolean waiting = false;
                while (true) {
                    Optional<Unit> next = claims.claimNext(unclaimed, retry, loaded);
                    if (next.isEmpty()) {
                        int held = claims.heldByOthers(unclaimed);
                        if (held == 0) {
                            break;
                        }
                        if (!store.awaitsOthers()) {
                            listener.heldByOtherScans(held);
                            break;
                        }
                        if (!waiting) {
                            listener.waitingForOthers(held);
                            waiting = true;
                        }
                        pause(store);
                        continue;
                    }
                    waiting = false;
                    Unit unit = next.get();
                    unclaimed.remove(unit);
                    UnitResult result;
                    try {
                        if (!unit.checkpoint().equals(loaded) && !java.nio.file.Files.isDirectory(unit.checkpoint().dir())) {
                            // Not on this machine: another worker may have it, so the units go back to the queue instead of failing.
                            claims.release(unit.id());
                            List<Unit> dropped = unclaimed.stream().filter(u -> u.checkpoint().equals(unit.checkpoint())).toList();
                            unclaimed.removeAll(dropped);
                            listener.checkpointUnavailable(unit.checkpoint(), WorkerName.host(), dropped.size() + 1);
                            continue;
                        }
                        store.renewWhileRunning(unit.id());
                        if (!unit.checkpoint().equals(loaded)) {
                            listener.checkpointStarted(unit.checkpoint(), byCheckpoint.get(unit.checkpoint()).size());
                            loadFailure = load(unit.checkpoint(), base.host());
                            loaded = unit.checkpoint();
                            if (loadFailure == null) {
                                store.checkLoadedWeights(unit.checkpoint(), digest(base.host()));
                                base.syncFromHost();
                            }
                        }
                        MemberEvaluator together = loadFailure == null ? memberEvaluator(members, groupSizes, unit) : null;
                        if (together != null) {
                            List<Unit> group = claimGroup(unit, together.members(), unclaimed, claims, retry, loaded);
                            List<UnitResult> results;
                            try (MemberRenewal renewal = new MemberRenewal(claims, group.subList(1, group.size()))) {
                                results = together(group, bench, work, together);
                            } catch (RuntimeException e) {
                                for (Unit u : group.subList(1, group.size())) {
                                    claims.release(u.id());
                                }
                                throw e;
                            }
                            store.stopRenewing();
                            for (UnitResult r : results) {
                                store.record(r, retry.contains(r.unitId()));
                                listener.unitFinished(r, ++done, pending.size());
                            }
                            continue;
                        }
                        if (loadFailure == null && memberTrainer != null && unit.probe() instanceof Probe.FineTune) {
                            done = fineTuneGroup(unit, memberTrainer, bench, evaluator, fineTuneScorer(members, memberTrainer), unclaimed, claims,
                                    retry, loaded, done, pending.size());
                            continue;
                        }
                        result = loadFailure != null ? failed(unit, loadFailure, System.nanoTime()) : measure(unit, bench, evaluator);
                        store.stopRenewing();
                        store.record(result, retry.contains(unit.id()));
                    } catch (RuntimeException e) {
                        store.stopRenewing();
                        claims.release(unit.id());
                        throw e;
                    }
                    listener.unitFinished(result, ++done, pending.size());
                }
            } finally {
                evaluator.close();
                if (members != null) {
                    members.close();
                }
                if (memberTrainer != null) {
                    memberTrainer.close();
                }
                if (trainer != null) {
                    trainer.close();
                }
            }
        }
        return done;
    }

    /** Waits a little before looking for units whose lease ran out: a tenth of the lease, between 0.1 and 2 seconds. */
    private static void pause(ScanStore store) {
        long ms = store instanceof PgStore pg ? Math.clamp(pg.lease().toMillis() / 10, 100, 2000) : 1000;
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for other workers' units", e);
        }
    }

    /**
     * Which units of a checkpoint are measured together in one member-axis forward: the noise draws (the OOD text
     * only), and the base with the quantisations (the task's splits and the OOD text). Fine-tunes are measured one by
     * one. Each unit is still claimed and stored on its own.
     */
    private enum MemberGroup { NOISE, TASK }

    private MemberGroup memberGroup(Probe probe) {
        return switch (probe) {
            case Probe.Noise n -> MemberGroup.NOISE;
            case Probe.Base b -> task.scoresMembers() ? MemberGroup.TASK : null;
            case Probe.Quant q -> task.scoresMembers() ? MemberGroup.TASK : null;
            case Probe.FineTune f -> null;
        };
    }

    /**
     * The member-axis evaluators, or null to measure every unit one by one: when members are capped at 1, or when the
     * parameters live on a device (they are perturbed there in place, and a member-axis forward of host copies would
     * move every member across and back). A backend that cannot compile the member-axis graph falls back to one by one
     * when a group first asks ({@link MemberEvaluators#get}).
     */
    private MemberEvaluators memberEvaluators(Parameters work, Arena arena) {
        if (!(work instanceof HostParameters) || maxMembers == 1) {
            return null;
        }
        ScanSettings.Eval ev = settings.eval();
        return new MemberEvaluators(backend, model, ev.batchSize(), ev.seqLen(), arena);
    }

    /**
     * Each group's member count: its most units in any checkpoint of the plan, at most what memory fits (or the cap of
     * {@link #members}). A group with fewer pending units (a resumed scan's last) still takes the member path, in an
     * evaluator with slots to spare: a member's results are bit-identical whatever the number of members beside it
     * ({@code MemberEvaluatorTest}), so a resumed or sharded scan stores exactly what an uninterrupted one does, while
     * the one-by-one graph would differ in the last bits.
     */
    private Map<MemberGroup, Integer> groupSizes(List<Unit> pending) {
        ScanSettings.Eval ev = settings.eval();
        int fit = maxMembers == MEMBERS_FROM_MEMORY ? MemberEvaluator.membersFor(model, ev.batchSize(), ev.seqLen(), memberBudget) : maxMembers;
        Map<MemberGroup, Integer> sizes = new java.util.EnumMap<>(MemberGroup.class);
        for (List<Unit> units : ScanPlan.byCheckpoint(pending).values()) {
            Map<MemberGroup, Long> counts = units.stream().filter(u -> memberGroup(u.probe()) != null)
                    .collect(Collectors.groupingBy(u -> memberGroup(u.probe()), Collectors.counting()));
            counts.forEach((group, n) -> sizes.merge(group, (int) Math.min(fit, n), Math::max));
        }
        return sizes;
    }

    /** The evaluator for the unit's group, or null to measure it one by one. */
    private MemberEvaluator memberEvaluator(MemberEvaluators members, Map<MemberGroup, Integer> sizes, Unit unit) {
        MemberGroup group = memberGroup(unit.probe());
        return members == null || group == null ? null : members.get(sizes.get(group));
    }

    /** The claimed unit and up to size - 1 more units of its checkpoint and member group, each claimed in the store. */
    private List<Unit> claimGroup(Unit first, int size, List<Unit> unclaimed, UnitClaims claims, Set<String> retry,
                                  ScanCheckpoint loaded) {
        return claimGroup(first, size, unclaimed, claims, retry, loaded, u -> memberGroup(u.probe()) == memberGroup(first.probe()));
    }

    /** The claimed unit and up to size - 1 more units of its checkpoint that {@code kind} accepts, each claimed in the store. */
    private static List<Unit> claimGroup(Unit first, int size, List<Unit> unclaimed, UnitClaims claims, Set<String> retry,
                                         ScanCheckpoint loaded, java.util.function.Predicate<Unit> kind) {
        List<Unit> group = new ArrayList<>(List.of(first));
        while (group.size() < size) {
            List<Unit> candidates = unclaimed.stream()
                    .filter(u -> kind.test(u) && u.checkpoint().equals(first.checkpoint())).toList();
            Optional<Unit> more = candidates.isEmpty() ? Optional.empty() : claims.claimNext(candidates, retry, loaded);
            if (more.isEmpty()) {
                break;
            }
            group.add(more.get());
            unclaimed.remove(more.get());
        }
        return group;
    }

    /**
     * Units of one member group measured together: each member's parameters written as the one-by-one path writes them
     * (the probe's own prepare), then what the group measures (the OOD windows; for base and quantisations the task's
     * splits too) for all members in one member-axis forward per batch. Each unit is judged on its own: a member whose
     * prepare fails or whose loss diverges is a failed unit, the others are done. Each unit's seconds are its share of
     * the batch's.
     */
    private List<UnitResult> together(List<Unit> group, ProbeBench bench, Parameters work, MemberEvaluator members) {
        long started = System.nanoTime();
        List<String> failures = new ArrayList<>();
        for (int m = 0; m < group.size(); m++) {
            try {
                group.get(m).probe().prepare(bench);
                work.syncToHost();
                members.setMember(m, work.host());
                failures.add(null);
            } catch (RuntimeException e) {
                failures.add(e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
        List<Scores> scores = null;
        String groupFailure = null;
        try {
            scores = group.get(0).probe().measuresTask() ? taskAndOod(members) : ood(members);
        } catch (RuntimeException e) {
            groupFailure = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        long share = (System.nanoTime() - started) / group.size();
        List<UnitResult> out = new ArrayList<>();
        for (int m = 0; m < group.size(); m++) {
            Unit unit = group.get(m);
            long from = System.nanoTime() - share;
            String why = failures.get(m) != null ? failures.get(m) : groupFailure;
            out.add(why != null ? failed(unit, why, from) : done(unit, scores.get(m), List.of(), from));
        }
        return out;
    }

    /**
     * The member-axis trainer for the fine-tunes, or null to train them one by one: when members are capped at 1 (or
     * memory holds fewer than two), when no fine-tune is pending, when the parameters live on a device (they are trained
     * there in place), or when the backend cannot compile the member-axis training graph. As for the noise draws, a single pending fine-tune (a
     * resumed scan's last) still takes the member path: a member's run is bit-identical whatever the members beside it
     * ({@code MemberTrainerTest}), so a resumed or sharded scan stores what an uninterrupted one does.
     */
    private MemberTrainer memberTrainer(List<Unit> pending, Parameters work, Arena arena) {
        if (!(work instanceof HostParameters) || maxMembers == 1) {
            return null;
        }
        ScanSettings.FineTune ft = settings.fineTune();
        int most = ScanPlan.byCheckpoint(pending).values().stream()
                .mapToInt(us -> (int) us.stream().filter(u -> u.probe() instanceof Probe.FineTune).count()).max().orElse(0);
        int fit = maxMembers == MEMBERS_FROM_MEMORY ? MemberTrainer.membersFor(model, ft.batchSize(), ft.seqLen(), memberBudget) : maxMembers;
        if (most < 1 || fit < 2) {
            // One member a graph would train a spare slot beside it (MemberTrainer), twice the arithmetic of one by one.
            return null;
        }
        // Groups of equal size (9 pending, 4 fit: 3 + 3 + 3, not 4 + 4 + 1): a slot no unit fills is trained all the same.
        int groups = (most + fit - 1) / fit;
        int count = (most + groups - 1) / groups;
        try {
            return new MemberTrainer(backend, model, count, ft.batchSize(), ft.seqLen(), arena);
        } catch (RuntimeException e) {
            // The one-by-one path trains the same units; a backend without every op of the member-axis graph takes it.
            return null;
        }
    }

    /**
     * The claimed fine-tune and up to the trainer's member count more of its checkpoint, trained together, then each
     * measured and stored as its own unit; returns the count of units done so far.
     */
    private int fineTuneGroup(Unit unit, MemberTrainer trainer, ProbeBench bench, Evaluator evaluator, MemberEvaluator scorer,
                              List<Unit> unclaimed, UnitClaims claims, Set<String> retry, ScanCheckpoint loaded, int done, int total) {
        List<Unit> group = claimGroup(unit, trainer.members(), unclaimed, claims, retry, loaded, u -> u.probe() instanceof Probe.FineTune);
        List<UnitResult> results;
        try (MemberRenewal renewal = new MemberRenewal(claims, group.subList(1, group.size()))) {
            results = fineTunes(group, bench, evaluator, scorer, trainer);
        } catch (RuntimeException e) {
            for (Unit u : group.subList(1, group.size())) {
                claims.release(u.id());
            }
            throw e;
        }
        store.stopRenewing();
        int count = done;
        for (UnitResult r : results) {
            store.record(r, retry.contains(r.unitId()));
            listener.unitFinished(r, ++count, total);
        }
        return count;
    }

    /**
     * Fine-tunes trained together as ProbeBench#fineTune trains each alone (from base, the protocol's config for the
     * unit's rate, anchored to base, the data order of its seed), then each measured on its own. A member that
     * diverges is a failed unit with the one-by-one reason; the others are done. Each unit's seconds are its share of
     * the training plus its own measurement. With a {@code scorer} the members are measured together instead
     * ({@link #measureFineTunedTogether}).
     */
    private List<UnitResult> fineTunes(List<Unit> group, ProbeBench bench, Evaluator evaluator, MemberEvaluator scorer,
                                       MemberTrainer trainer) {
        long started = System.nanoTime();
        List<MemberTrainer.Run> runs = new ArrayList<>();
        for (Unit u : group) {
            Probe.FineTune p = (Probe.FineTune) u.probe();
            runs.add(new MemberTrainer.Run(bench.protocol().trainConfig(p.lr()), bench.trainData().apply(p.seed())));
        }
        List<MemberTrainer.Outcome> outcomes;
        try {
            outcomes = trainer.train(bench.base().host(), runs, bench.protocol().steps(), bench.protocol().l2ToInit());
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            long from = System.nanoTime();
            return group.stream().map(u -> failed(u, why, from)).toList();
        }
        long share = (System.nanoTime() - started) / group.size();
        if (scorer != null) {
            return measureFineTunedTogether(group, outcomes, trainer, scorer, share);
        }
        List<UnitResult> out = new ArrayList<>();
        for (int m = 0; m < group.size(); m++) {
            out.add(measureFineTuned(group.get(m), outcomes.get(m), trainer.params(m), bench, evaluator, System.nanoTime() - share));
        }
        return out;
    }

    /**
     * The member-axis evaluator that scores a batch of trained fine-tunes together (a slot per trainer member, so a
     * member's scores do not depend on how many trained beside it), or null to measure each alone: no member path, or a
     * task that scores one by one.
     */
    private MemberEvaluator fineTuneScorer(MemberEvaluators members, MemberTrainer trainer) {
        return members == null || !task.scoresMembers() ? null : members.get(trainer.members());
    }

    /**
     * Trained members measured together as {@link #measureFineTuned} measures each: kept if asked, then the task's splits
     * and the OOD text of every member in one member-axis forward per batch, and the last training loss. A member that
     * failed training, or whose keeping fails, is a failed unit alone. Each unit's seconds are its share of the training
     * plus its share of the scoring.
     */
    private List<UnitResult> measureFineTunedTogether(List<Unit> group, List<MemberTrainer.Outcome> outcomes, MemberTrainer trainer,
                                                      MemberEvaluator scorer, long trainingShare) {
        long started = System.nanoTime();
        List<String> failures = new ArrayList<>();
        for (int m = 0; m < group.size(); m++) {
            RuntimeException failure = outcomes.get(m).failure();
            if (failure != null) {
                String why = failure.getMessage() == null ? failure.toString() : failure.getMessage();
                failures.add(failure instanceof DivergenceException ? DIVERGED + why : why);
                continue;
            }
            try {
                if (fineTuned != null) {
                    fineTuned.save(group.get(m), model, trainer.params(m), settings.fineTune().steps());
                }
                scorer.setMember(m, trainer.params(m));
                failures.add(null);
            } catch (StoreException e) {
                throw e;
            } catch (RuntimeException e) {
                failures.add(e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
        List<Scores> scores = null;
        String groupFailure = null;
        try {
            scores = taskAndOod(scorer);
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            groupFailure = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        long share = (System.nanoTime() - started) / group.size();
        List<UnitResult> out = new ArrayList<>();
        for (int m = 0; m < group.size(); m++) {
            Unit unit = group.get(m);
            long from = System.nanoTime() - trainingShare - share;
            String why = failures.get(m) != null ? failures.get(m) : groupFailure;
            if (why != null) {
                out.add(failed(unit, why, from));
                continue;
            }
            List<Double> curve = outcomes.get(m).curve();
            out.add(done(unit, scores.get(m).put(MetricKeys.TRAIN_LOSS_LAST, curve.get(curve.size() - 1)), curve, from));
        }
        return out;
    }

    /**
     * One trained member measured as {@link #measure} measures a fine-tune: its parameters into work, kept if asked,
     * the task's and the OOD scores, the last training loss.
     */
    private UnitResult measureFineTuned(Unit unit, MemberTrainer.Outcome outcome, ParamStore trained, ProbeBench bench,
                                        Evaluator evaluator, long started) {
        RuntimeException failure = outcome.failure();
        if (failure != null) {
            String why = failure.getMessage() == null ? failure.toString() : failure.getMessage();
            return failed(unit, failure instanceof DivergenceException ? DIVERGED + why : why, started);
        }
        try {
            bench.work().host().copyFrom(trained);
            bench.work().syncFromHost();
            if (fineTuned != null) {
                fineTuned.save(unit, model, bench.work().host(), settings.fineTune().steps());
            }
            Scores scores = taskAndOod(evaluator);
            List<Double> curve = outcome.curve();
            scores.put(MetricKeys.TRAIN_LOSS_LAST, curve.get(curve.size() - 1));
            return done(unit, scores, curve, started);
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            return failed(unit, e.getMessage() == null ? e.toString() : e.getMessage(), started);
        }
    }

    /** Keeps the claims of a batch's other members alive while it runs. */
    private static final class MemberRenewal implements AutoCloseable {
        private final java.util.concurrent.ScheduledExecutorService timer;

        MemberRenewal(UnitClaims claims, List<Unit> units) {
            timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "overtune-member-claims");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(() -> {
                for (Unit u : units) {
                    try {
                        claims.renew(u.id());
                    } catch (RuntimeException ignored) {
                        // a busy store delays one renewal; the lease leaves room for more
                    }
                }
            }, MEMBER_RENEWAL_SECONDS, MEMBER_RENEWAL_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    private UnitResult measure(Unit unit, ProbeBench bench, Evaluator evaluator) {
        long started = System.nanoTime();
        try {
            List<Double> curve = unit.probe().prepare(bench);
            if (fineTuned != null && unit.probe() instanceof Probe.FineTune) {
                bench.work().syncToHost(); // the fine-tuned weights as the backend left them
                fineTuned.save(unit, model, bench.work().host(), settings.fineTune().steps());
            }
            Scores scores = unit.probe().measuresTask() ? taskAndOod(evaluator) : ood(evaluator);
            if (!curve.isEmpty()) {
                scores.put(MetricKeys.TRAIN_LOSS_LAST, curve.get(curve.size() - 1));
            }
            return done(unit, scores, curve, started);
        } catch (DivergenceException e) {
            return failed(unit, DIVERGED + e.getMessage(), started);
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            return failed(unit, e.getMessage() == null ? e.toString() : e.getMessage(), started);
        }
    }

    /**
     * SHA-256 of the parameters as loaded: the bytes every unit of this checkpoint is measured on, hashed from
     * memory the load has just written (no second read of the files, whatever their format or sharding).
     */
    static String digest(ParamStore params) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            java.lang.foreign.MemorySegment all = params.flat().segment();
            long chunk = 1L << 26;
            for (long at = 0; at < all.byteSize(); at += chunk) {
                sha.update(all.asSlice(at, Math.min(chunk, all.byteSize() - at)).asByteBuffer());
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean needsTrainer(List<Unit> units) {
        return units.stream().anyMatch(u -> u.probe() instanceof Probe.FineTune);
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

    /** The task's validation and test scores and the OOD loss, each with its samples. */
    private Scores taskAndOod(Evaluator evaluator) {
        return task.score(evaluator, settings.eval().maxBatches()).putAll(ood(evaluator));
    }

    private Scores ood(Evaluator evaluator) {
        return new Scores().sampled(MetricKeys.OOD_LOSS, TextTask.oodWindowLosses(evaluator, oodTokens, settings.eval().maxBatches()));
    }

    /**
     * {@link #taskAndOod(Evaluator)} for every member of a member-axis evaluator at once, in member order (slots not
     * written this time hold earlier members and are scored too; callers take the first ones they wrote).
     */
    private List<Scores> taskAndOod(MemberEvaluator members) {
        List<Scores> task = this.task.score(members, settings.eval().maxBatches());
        List<Scores> ood = ood(members);
        for (int m = 0; m < task.size(); m++) {
            task.get(m).putAll(ood.get(m));
        }
        return task;
    }

    /** {@link #ood(Evaluator)} for every member of a member-axis evaluator at once. */
    private List<Scores> ood(MemberEvaluator members) {
        double[][] losses = TextTask.oodWindowLosses(members, oodTokens, settings.eval().maxBatches());
        List<Scores> out = new ArrayList<>();
        for (double[] l : losses) {
            out.add(new Scores().sampled(MetricKeys.OOD_LOSS, l));
        }
        return out;
    }

    private UnitResult done(Unit u, Scores scores, List<Double> curve, long started) {
        String diverged = Divergence.judge(scores.metrics(), model.vocabSize());
        if (diverged != null) {
            return failed(u, diverged, started);
        }
        return result(u, UnitResult.Status.DONE, scores, curve, null, started);
    }

    private UnitResult failed(Unit u, String reason, long started) {
        return result(u, UnitResult.Status.FAILED, new Scores(), List.of(), reason, started);
    }

    private UnitResult result(Unit u, UnitResult.Status status, Scores scores, List<Double> curve, String reason, long started) {
        return new UnitResult(u.id(), u.checkpoint().name(), u.checkpoint().tokens(), u.probe(), status,
                scores.metrics(), curve, reason, backend.name(), BuildInfo.engineVersion(), BuildInfo.gitHash(), (System.nanoTime() - started) / 1e9,
                scores.samples());
    }
}
