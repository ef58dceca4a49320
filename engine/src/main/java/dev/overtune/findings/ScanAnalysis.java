package dev.overtune.findings;

import dev.overtune.analysis.Holm;
import dev.overtune.analysis.Measurement;
import dev.overtune.analysis.Moments;
import dev.overtune.analysis.Orderings;
import dev.overtune.analysis.PermutationTest;
import dev.overtune.analysis.Ranks;
import dev.overtune.analysis.TrendStatistics;
import dev.overtune.probe.MetricKeys;
import dev.overtune.probe.Probe;
import dev.overtune.scan.UnitResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * What a scan found, computed from its stored units alone: per checkpoint (in token order) the base losses,
 * fine-tuning under the tuned protocol and at each learning rate, the loss increase under each noise level and
 * quantisation format; whether each fine-tuning metric gets worse past some checkpoint and whether each
 * sensitivity grows (permutation tests over checkpoint order, Holm-adjusted together); where the perturbed
 * and fine-tuned OOD losses are lowest; what the grid and the data cannot support. Failed units are listed and
 * left out of every number.
 *
 * @param perturbedMinima per noise level, the perturbed model's OOD loss over tokens (§3.3's U shape)
 * @param fineTunedMinima per fixed learning rate, the fine-tuned OOD loss over tokens (§3.4.1)
 * @param orderings       whether larger γ / larger learning rates have their minimum earlier, in words (descriptive)
 * @param warnings        the tuned protocol's best learning rate at an edge of the grid, and which way to extend it
 * @param limits          what this store cannot support (too few checkpoints, no per-window losses, ...)
 * @param perWindowLosses whether the units carry the per-window losses that put evaluation noise into the intervals
 * @param evaluationSe    the largest standard error of a base model's mean loss over its windows (sd/√W), NaN without windows
 */
public record ScanAnalysis(List<CheckpointSummary> checkpoints, List<Double> learningRates, List<NoiseLevel> noiseLevels,
                           List<QuantFormat> quantFormats, List<Inflection> inflections, List<Trend> sensitivity,
                           List<MinimumOverTokens> perturbedMinima, List<MinimumOverTokens> fineTunedMinima,
                           List<String> orderings, List<String> warnings, List<String> limits,
                           List<UnitResult> failedUnits, int units, boolean perWindowLosses, double evaluationSe) {
    /** The bar for an evaluation that measures what it claims: the standard error of a mean loss. */
    public static final double EVALUATION_SE_BAR = 0.005;
    /** The metric a fine-tuned model is judged on; lr NaN: the tuned protocol (best LR per checkpoint). */
    record FineTuneMetric(String key, String label, String unitMetric, double lr, boolean higherIsBetter) {
        boolean tuned() {
            return Double.isNaN(lr);
        }

        double lrAt(FineTuneGrid g) {
            if (!tuned()) {
                return lr;
            }
            FineTuneOutcome t = g.tuned();
            return t == null ? Double.NaN : t.lr();
        }
    }

    /** The finished units of one checkpoint, by probe. */
    private record CheckpointUnits(String name, long tokens, FineTuneGrid grid, UnitResult base,
                                   Map<NoiseLevel, SortedMap<Long, UnitResult>> noise, Map<QuantFormat, UnitResult> quant) {}

    public ScanAnalysis {
        checkpoints = List.copyOf(checkpoints);
        learningRates = List.copyOf(learningRates);
        noiseLevels = List.copyOf(noiseLevels);
        quantFormats = List.copyOf(quantFormats);
        inflections = List.copyOf(inflections);
        sensitivity = List.copyOf(sensitivity);
        perturbedMinima = List.copyOf(perturbedMinima);
        fineTunedMinima = List.copyOf(fineTunedMinima);
        orderings = List.copyOf(orderings);
        warnings = List.copyOf(warnings);
        limits = List.copyOf(limits);
        failedUnits = List.copyOf(failedUnits);
    }

    public static ScanAnalysis of(List<UnitResult> results) {
        Map<CheckpointKey, List<UnitResult>> byCheckpoint = new TreeMap<>();
        for (UnitResult r : results) {
            byCheckpoint.computeIfAbsent(new CheckpointKey(r.tokens(), r.checkpoint()), k -> new ArrayList<>()).add(r);
        }
        List<CheckpointSummary> summaries = new ArrayList<>();
        List<CheckpointUnits> data = new ArrayList<>();
        List<UnitResult> failed = new ArrayList<>();
        SortedSet<Double> lrs = new TreeSet<>();
        SortedSet<NoiseLevel> noise = new TreeSet<>();
        SortedSet<QuantFormat> quant = new TreeSet<>();
        SortedSet<String> accuracies = new TreeSet<>();
        boolean windows = false;
        for (Map.Entry<CheckpointKey, List<UnitResult>> e : byCheckpoint.entrySet()) {
            List<UnitResult> units = e.getValue();
            units.stream().filter(u -> !u.done()).forEach(failed::add);
            List<UnitResult> done = units.stream().filter(UnitResult::done).toList();
            CheckpointUnits c = group(e.getKey(), done);
            data.add(c);
            summaries.add(summarise(c, units.size(), done.size()));
            // Settings planned but failed everywhere still deserve a column, so take them from every unit.
            for (UnitResult u : units) {
                switch (u.probe()) {
                    case Probe.FineTune f -> lrs.add(f.lr());
                    case Probe.Noise n -> noise.add(NoiseLevel.of(n));
                    case Probe.Quant q -> quant.add(QuantFormat.of(q));
                    case Probe.Base b -> { }
                }
            }
            for (UnitResult u : done) {
                windows |= !u.samples().isEmpty();
                if (u.probe() instanceof Probe.FineTune) {
                    u.metrics().keySet().stream().filter(ScanAnalysis::isAccuracy).forEach(accuracies::add);
                }
            }
        }
        List<Double> lrList = List.copyOf(lrs);
        List<Inflection> inflections = new ArrayList<>();
        for (FineTuneMetric m : fineTuneMetrics(lrList, accuracies)) {
            inflections.add(inflection(m, data));
        }
        List<Trend> trends = new ArrayList<>();
        for (NoiseLevel n : noise) {
            trends.add(trend("noise." + n.scale() + ".gamma=" + Format.number(n.gamma()) + ".delta_ood",
                    "Δ OOD loss under noise " + n.label() + " (" + n.scale() + " scale)", summaries,
                    s -> s.noise().containsKey(n) ? s.noise().get(n).meanDeltaOod() : Double.NaN));
        }
        for (QuantFormat q : quant) {
            trends.add(trend("quant." + q.label() + ".delta_ood", "Δ OOD loss under " + q.label() + " quantisation", summaries,
                    s -> s.quant().containsKey(q) ? s.quant().get(q).deltaOod() : Double.NaN));
        }
        List<String> limits = new ArrayList<>();
        adjust(inflections, trends, limits);

        List<MinimumOverTokens> perturbed = new ArrayList<>();
        for (NoiseLevel n : noise) {
            perturbed.add(minimum("noise." + n.scale() + ".gamma=" + Format.number(n.gamma()) + ".ood_loss",
                    "OOD loss of the perturbed model, " + n.label() + " (" + n.scale() + " scale)", data,
                    c -> c.noise().getOrDefault(n, new TreeMap<>()), MetricKeys.OOD_LOSS));
        }
        List<MinimumOverTokens> fineTuned = new ArrayList<>();
        for (double lr : lrList) {
            fineTuned.add(minimum("finetune.lr=" + Format.number(lr) + ".ood_loss", "OOD loss after fine-tuning at LR " + Format.number(lr),
                    data, c -> c.grid().units(lr), MetricKeys.OOD_LOSS));
        }
        List<String> orderings = new ArrayList<>();
        ordering("larger γ", noise.stream().map(NoiseLevel::label).toList(), perturbed, "§3.3").ifPresent(orderings::add);
        ordering("larger learning rates", lrList.stream().map(lr -> "LR " + Format.number(lr)).toList(), fineTuned, "§3.4.1")
                .ifPresent(orderings::add);
        long usable = summaries.stream().filter(CheckpointSummary::usable).count();
        if (usable > 0 && usable < 3) {
            limits.add(usable + (usable == 1 ? " checkpoint has" : " checkpoints have") + " results: an inflection or trend test needs "
                    + "at least 3 (and ≥ " + checkpointsNeeded(Math.max(1, inflections.size() + trends.size()))
                    + " for any p to survive Holm over this report's tests); nothing is tested.");
        }
        int seeds = data.stream().flatMap(c -> lrList.stream().map(lr -> c.grid().units(lr).size())).max(Integer::compare).orElse(0);
        if (seeds == 1 && !windows) {
            limits.add("One fine-tune seed and no per-window losses: no fine-tuning difference has an interval. The permutation "
                    + "verdicts still hold (their null comes from the checkpoints); scan ≥ 3 seeds for intervals.");
        }
        if (!windows && !results.isEmpty()) {
            limits.add("This store has no per-window losses (scanned before they were kept): every interval carries seed noise only, "
                    + "the quantisation and base-model changes have none, and the base-model precondition of an inflection cannot be judged.");
        }
        EvaluationPrecision precision = evaluationPrecision(data);
        double evaluationSe = precision == null ? Double.NaN : precision.se();
        if (evaluationSe > EVALUATION_SE_BAR) {
            limits.add("Evaluation limits precision: the base model's " + precision.metric() + " has a standard error of "
                    + Format.fixed(evaluationSe, 4) + " nats over its " + precision.windows() + " windows, above " + EVALUATION_SE_BAR
                    + "; evaluate more text (--eval-batches all evaluates whole splits; past that only a larger split helps). "
                    + "Differences between checkpoints are paired by window and measured more precisely (their intervals above).");
        }
        return new ScanAnalysis(summaries, lrList, List.copyOf(noise), List.copyOf(quant), inflections, trends, perturbed, fineTuned,
                orderings, gridEdges(data, lrList), limits, failed, results.size(), windows, evaluationSe);
    }

    public Optional<Inflection> inflection(String metric) {
        return inflections.stream().filter(i -> i.metric().equals(metric)).findFirst();
    }

    public Optional<Trend> trend(String metric) {
        return sensitivity.stream().filter(t -> t.metric().equals(metric)).findFirst();
    }

    /** Checkpoints on which every unit failed. */
    public List<CheckpointSummary> unusableCheckpoints() {
        return checkpoints.stream().filter(c -> !c.usable()).toList();
    }

    /** Every test whose verdict the report prints, significant after Holm. */
    public int significantFindings() {
        return (int) (inflections.stream().filter(i -> i.verdict() == Inflection.Verdict.SIGNIFICANT).count()
                + sensitivity.stream().filter(Trend::significant).count());
    }

    private record CheckpointKey(long tokens, String name) implements Comparable<CheckpointKey> {
        @Override
        public int compareTo(CheckpointKey o) {
            return Comparator.comparingLong(CheckpointKey::tokens).thenComparing(CheckpointKey::name).compare(this, o);
        }
    }

    /** lm-eval's names (acc, acc_norm) and the older ones (accuracy, accuracy_norm) on the ID test split; not their stderr. */
    private static boolean isAccuracy(String metric) {
        return metric.startsWith("id_test_") && metric.contains("acc") && !metric.endsWith("stderr");
    }

    /** The tuned-protocol metrics first (losses, then accuracies), then the losses at each fixed learning rate. */
    static List<FineTuneMetric> fineTuneMetrics(List<Double> learningRates, SortedSet<String> accuracies) {
        List<FineTuneMetric> out = new ArrayList<>();
        out.add(new FineTuneMetric("finetune.tuned.id_test_loss", "ID test loss after fine-tuning (best LR)", MetricKeys.ID_TEST_LOSS, Double.NaN, false));
        out.add(new FineTuneMetric("finetune.tuned.ood_loss", "OOD loss after fine-tuning (best LR)", MetricKeys.OOD_LOSS, Double.NaN, false));
        for (String acc : accuracies) {
            out.add(new FineTuneMetric("finetune.tuned." + acc, "ID test " + acc.substring("id_test_".length()).replace('_', ' ')
                    + " after fine-tuning (best LR)", acc, Double.NaN, true));
        }
        for (double lr : learningRates) {
            String name = "lr=" + Format.number(lr);
            out.add(new FineTuneMetric("finetune." + name + ".id_test_loss", "ID test loss after fine-tuning at LR " + Format.number(lr),
                    MetricKeys.ID_TEST_LOSS, lr, false));
            out.add(new FineTuneMetric("finetune." + name + ".ood_loss", "OOD loss after fine-tuning at LR " + Format.number(lr),
                    MetricKeys.OOD_LOSS, lr, false));
        }
        return out;
    }

    private static CheckpointUnits group(CheckpointKey key, List<UnitResult> done) {
        FineTuneGrid grid = FineTuneGrid.of(done.stream().filter(u -> u.probe() instanceof Probe.FineTune).toList());
        UnitResult base = done.stream().filter(u -> u.probe() instanceof Probe.Base).findFirst().orElse(null);
        Map<NoiseLevel, SortedMap<Long, UnitResult>> noise = new TreeMap<>();
        Map<QuantFormat, UnitResult> quant = new TreeMap<>();
        for (UnitResult u : done) {
            if (u.probe() instanceof Probe.Noise n) {
                noise.computeIfAbsent(NoiseLevel.of(n), k -> new TreeMap<>()).put(n.seed(), u);
            } else if (u.probe() instanceof Probe.Quant q) {
                quant.put(QuantFormat.of(q), u);
            }
        }
        return new CheckpointUnits(key.name(), key.tokens(), grid, base, noise, quant);
    }

    private static CheckpointSummary summarise(CheckpointUnits c, int unitCount, int doneCount) {
        UnitResult base = c.base();
        double baseTest = base == null ? Double.NaN : base.metric(MetricKeys.ID_TEST_LOSS);
        SortedMap<NoiseLevel, NoiseDelta> noise = new TreeMap<>();
        c.noise().forEach((level, samples) -> {
            Measurement m = base == null ? Measurement.NONE : Paired.againstOne(base, samples, MetricKeys.OOD_LOSS);
            noise.put(level, new NoiseDelta(m.estimate(), Paired.ci95(m), samples.size()));
        });
        SortedMap<QuantFormat, QuantDelta> quant = new TreeMap<>();
        c.quant().forEach((format, u) -> {
            Measurement m = base == null ? Measurement.NONE : Paired.againstOne(base, Map.of(0L, u), MetricKeys.OOD_LOSS);
            quant.put(format, new QuantDelta(m.estimate(), u.metric(MetricKeys.ID_TEST_LOSS) - baseTest, Paired.ci95(m)));
        });
        return new CheckpointSummary(c.name(), c.tokens(), unitCount, unitCount - doneCount,
                base == null ? Double.NaN : base.metric(MetricKeys.ID_VAL_LOSS), baseTest, base == null ? Double.NaN : base.metric(MetricKeys.OOD_LOSS),
                c.grid().tuned(), c.grid().byLearningRate(), noise, quant);
    }

    private static Inflection inflection(FineTuneMetric m, List<CheckpointUnits> data) {
        List<CheckpointUnits> with = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (CheckpointUnits c : data) {
            double lr = m.lrAt(c.grid());
            double v = Double.isNaN(lr) ? Double.NaN : c.grid().mean(lr, m.unitMetric());
            if (Double.isFinite(v)) {
                with.add(c);
                values.add(v);
            }
        }
        int k = with.size();
        if (k == 0) {
            return new Inflection(m.key(), m.label(), m.higherIsBetter(), 0, null, 0, Double.NaN, 0, Double.NaN, Double.NaN,
                    Interval.NONE, Measurement.Covers.NOTHING.words(), PermutationTest.Result.NONE, Double.NaN, BaseChange.NONE, null);
        }
        // Oriented so that larger is worse: the test asks whether the series rises.
        double[] worse = new double[k];
        for (int i = 0; i < k; i++) {
            worse[i] = m.higherIsBetter() ? -values.get(i) : values.get(i);
        }
        int best = 0;
        for (int i = 1; i < k; i++) {
            best = worse[i] < worse[best] ? i : best;
        }
        int last = k - 1;
        PermutationTest.Result test = k >= 3 ? PermutationTest.upper(worse, TrendStatistics.RISING_TAIL) : PermutationTest.Result.NONE;
        CheckpointUnits min = with.get(best);
        CheckpointUnits end = with.get(last);
        Measurement change = Paired.difference(min.grid().units(m.lrAt(min.grid())), end.grid().units(m.lrAt(end.grid())), m.unitMetric());
        Interval ci = Paired.ci95(change);
        Interval worseCi = !ci.available() ? Interval.NONE : m.higherIsBetter() ? new Interval(-ci.hi(), -ci.lo()) : ci;
        BaseChange base = best == last || min.base() == null || end.base() == null ? BaseChange.NONE
                : BaseChange.of(Paired.difference(Map.of(0L, min.base()), Map.of(0L, end.base()), m.unitMetric()), m.higherIsBetter());
        return new Inflection(m.key(), m.label(), m.higherIsBetter(), k, min.name(), min.tokens(), values.get(best), end.tokens(),
                values.get(last), worse[last] - worse[best], worseCi, change.covers().words(), test, Double.NaN, base, null);
    }

    private static Trend trend(String key, String label, List<CheckpointSummary> summaries, ToDoubleFunction<CheckpointSummary> value) {
        List<CheckpointSummary> with = summaries.stream().filter(s -> Double.isFinite(value.applyAsDouble(s))).toList();
        if (with.isEmpty()) {
            return new Trend(key, label, 0, Double.NaN, PermutationTest.Result.NONE, Double.NaN, 0, Double.NaN, 0, Double.NaN, null);
        }
        double[] tokens = with.stream().mapToDouble(CheckpointSummary::tokens).toArray();
        double[] values = with.stream().mapToDouble(value).toArray();
        PermutationTest.Result test = values.length >= 3 ? PermutationTest.upper(values, TrendStatistics.GROWS) : PermutationTest.Result.NONE;
        CheckpointSummary first = with.get(0);
        CheckpointSummary last = with.get(with.size() - 1);
        return new Trend(key, label, with.size(), Ranks.spearman(tokens, values), test, Double.NaN,
                first.tokens(), value.applyAsDouble(first), last.tokens(), value.applyAsDouble(last), null);
    }

    /**
     * Holm over every test the report prints, and what keeps a test from any verdict: a floor above α, or a
     * family so large that even the most extreme ordering could not pass Holm's first step.
     */
    private static void adjust(List<Inflection> inflections, List<Trend> trends, List<String> limits) {
        int n = inflections.size();
        double[] p = new double[n + trends.size()];
        double smallestFloor = Double.POSITIVE_INFINITY;
        int checkpoints = 0;
        for (int i = 0; i < p.length; i++) {
            PermutationTest.Result r = i < n ? inflections.get(i).test() : trends.get(i - n).test();
            p[i] = r.p();
            if (r.available()) {
                smallestFloor = Math.min(smallestFloor, r.floor());
                checkpoints = Math.max(checkpoints, i < n ? inflections.get(i).checkpoints() : trends.get(i - n).checkpoints());
            }
        }
        double[] holm = Holm.adjust(p);
        int m = (int) Arrays.stream(p).filter(Double::isFinite).count();
        String familyLimit = null;
        if (m > 0 && m * smallestFloor > Verdicts.ALPHA) {
            familyLimit = m == 1 || smallestFloor > Verdicts.ALPHA
                    ? checkpoints + " checkpoints: the smallest attainable p is " + Verdicts.p(smallestFloor)
                    + "; nothing can be significant; scan ≥ " + checkpointsNeeded(m) + " checkpoints."
                    : checkpoints + " checkpoints: the smallest attainable p is " + Verdicts.p(smallestFloor) + ", and with " + m
                    + " tests Holm needs p ≤ " + Verdicts.p(Verdicts.ALPHA / m) + " for the first; nothing can be significant; scan ≥ "
                    + checkpointsNeeded(m) + " checkpoints.";
            limits.add(familyLimit);
        }
        for (int i = 0; i < p.length; i++) {
            PermutationTest.Result r = i < n ? inflections.get(i).test() : trends.get(i - n).test();
            String why = !r.available() ? null : familyLimit != null ? familyLimit
                    : r.floor() > Verdicts.ALPHA ? "The smallest attainable p with these values is " + Verdicts.p(r.floor()) + "; it cannot be significant."
                    : null;
            if (i < n) {
                inflections.set(i, inflections.get(i).adjusted(holm[i], why));
            } else {
                trends.set(i - n, trends.get(i - n).adjusted(holm[i], why));
            }
        }
    }

    /** The fewest checkpoints whose floor 1/K! lets the first of m tests pass Holm at α. */
    static int checkpointsNeeded(int m) {
        double orderings = 1;
        for (int k = 1; k <= Orderings.EXACT_UP_TO; k++) {
            orderings *= k;
            if (k >= 3 && 1 / orderings <= Verdicts.ALPHA / m) {
                return k;
            }
        }
        return Orderings.EXACT_UP_TO + 1;
    }

    /** The loss over tokens, its minimum and the checkpoints not significantly worse (one-sided, Bonferroni over K − 1). */
    private static MinimumOverTokens minimum(String key, String label, List<CheckpointUnits> data,
                                             Function<CheckpointUnits, SortedMap<Long, UnitResult>> rows, String metric) {
        List<CheckpointUnits> with = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (CheckpointUnits c : data) {
            SortedMap<Long, UnitResult> r = rows.apply(c);
            double v = r.values().stream().mapToDouble(u -> u.metric(metric)).average().orElse(Double.NaN);
            if (Double.isFinite(v)) {
                with.add(c);
                values.add(v);
            }
        }
        int k = with.size();
        if (k == 0) {
            return new MinimumOverTokens(key, label, 0, null, 0, Double.NaN, 0, List.of(), Measurement.Covers.NOTHING.words());
        }
        int best = 0;
        for (int i = 1; i < k; i++) {
            best = values.get(i) < values.get(best) ? i : best;
        }
        List<Long> notWorse = new ArrayList<>();
        Measurement.Covers covers = Measurement.Covers.NOTHING;
        for (int i = 0; i < k; i++) {
            if (i == best) {
                notWorse.add(with.get(i).tokens());
                continue;
            }
            Measurement d = Paired.difference(rows.apply(with.get(best)), rows.apply(with.get(i)), metric);
            covers = d.covers();
            // One-sided at α/(K−1): the two-sided interval at 1 − 2α/(K−1) has that lower end.
            boolean worse = d.hasInterval() && d.interval(1 - 2 * Verdicts.ALPHA / (k - 1))[0] > 0;
            if (!worse) {
                notWorse.add(with.get(i).tokens());
            }
        }
        return new MinimumOverTokens(key, label, k, with.get(best).name(), with.get(best).tokens(), values.get(best),
                with.get(k - 1).tokens(), notWorse, covers.words());
    }

    /** Whether the minima move earlier as the setting grows, in words; descriptive, since it tests nothing. */
    private static Optional<String> ordering(String larger, List<String> names, List<MinimumOverTokens> minima, String section) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < minima.size(); i++) {
            if (minima.get(i).checkpoints() >= 3) {
                at.add(i);
            }
        }
        if (at.size() < 2) {
            return Optional.empty();
        }
        StringBuilder list = new StringBuilder();
        boolean earlier = true;
        long previous = Long.MAX_VALUE;
        for (int i : at) {
            MinimumOverTokens m = minima.get(i);
            list.append(list.isEmpty() ? "" : ", ").append(Format.tokens(m.minTokens())).append(" (").append(names.get(i)).append(')');
            earlier &= m.minTokens() <= previous;
            previous = m.minTokens();
        }
        return Optional.of("Minimum over tokens by setting: " + list + ": " + (earlier
                ? "for " + larger + " the minimum comes earlier or at the same checkpoint, as the paper reports (" + section + ")"
                : "for " + larger + " the minimum does not always come earlier, unlike the paper (" + section + ")")
                + ". Descriptive, not a test: compare the checkpoints each minimum is not significantly better than.");
    }

    /** The base-model loss measured least precisely: its name, window count and standard error (sd/√W, or weighted). */
    private record EvaluationPrecision(String metric, int windows, double se) {}

    /** The least precise base-model loss over all checkpoints, or null without per-window losses. */
    private static EvaluationPrecision evaluationPrecision(List<CheckpointUnits> data) {
        EvaluationPrecision worst = null;
        for (CheckpointUnits c : data) {
            if (c.base() == null) {
                continue;
            }
            for (Map.Entry<String, double[]> e : c.base().samples().entrySet()) {
                double[] w = e.getValue();
                if (e.getKey().endsWith("_loss") && w.length >= 2) {
                    // A label task's loss is per token: its examples weigh by their tokens, as in the metric itself.
                    double se = Moments.stderr(w, c.base().weights(e.getKey()));
                    if (worst == null || se > worst.se()) {
                        worst = new EvaluationPrecision(e.getKey(), w.length, se);
                    }
                }
            }
        }
        return worst;
    }

    /** Checkpoints where the tuned protocol's best learning rate is the smallest or largest of the grid. */
    private static List<String> gridEdges(List<CheckpointUnits> data, List<Double> lrs) {
        if (lrs.size() < 2) {
            return List.of();
        }
        Map<Boolean, List<String>> atEdge = new LinkedHashMap<>();
        for (CheckpointUnits c : data) {
            FineTuneOutcome t = c.grid().tuned();
            if (t != null && (t.lr() == lrs.get(0) || t.lr() == lrs.get(lrs.size() - 1))) {
                atEdge.computeIfAbsent(t.lr() == lrs.get(0), k -> new ArrayList<>()).add(Format.tokens(c.tokens()));
            }
        }
        List<String> out = new ArrayList<>();
        atEdge.forEach((low, where) -> out.add("The best learning rate is the " + (low ? "smallest" : "largest") + " of the grid ("
                + Format.number(low ? lrs.get(0) : lrs.get(lrs.size() - 1)) + ") at " + String.join(", ", where)
                + " tokens: the optimum may lie " + (low ? "below" : "above") + " it; extend the grid " + (low ? "downward" : "upward")
                + " (--lrs) so that it brackets the best rate."));
        return out;
    }
}
