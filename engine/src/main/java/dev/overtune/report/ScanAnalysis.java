package dev.overtune.report;

import dev.overtune.scan.Probe;
import dev.overtune.scan.UnitResult;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * What a scan found, computed from its stored units alone: per checkpoint (in token order) the base
 * losses, fine-tuning under the tuned protocol and at each learning rate, the loss increase under each
 * noise level and quantisation format; then where each fine-tuning metric has its inflection and whether
 * each sensitivity grows with pre-training. Failed units are listed and left out of every number.
 */
public record ScanAnalysis(List<CheckpointSummary> checkpoints, List<Double> learningRates, List<NoiseLevel> noiseLevels,
                           List<QuantFormat> quantFormats, List<Inflection> inflections, List<Trend> sensitivity,
                           List<UnitResult> failedUnits, int units, int resamples, long bootstrapSeed) {
    /** Bootstrap resamples for the inflection intervals. */
    public static final int RESAMPLES = 1000;
    /** Fixed so that the same store always gives the same report. */
    public static final long BOOTSTRAP_SEED = 20250225L;

    public ScanAnalysis {
        checkpoints = List.copyOf(checkpoints);
        learningRates = List.copyOf(learningRates);
        noiseLevels = List.copyOf(noiseLevels);
        quantFormats = List.copyOf(quantFormats);
        inflections = List.copyOf(inflections);
        sensitivity = List.copyOf(sensitivity);
        failedUnits = List.copyOf(failedUnits);
    }

    public static ScanAnalysis of(List<UnitResult> results) {
        return of(results, RESAMPLES, BOOTSTRAP_SEED);
    }

    public static ScanAnalysis of(List<UnitResult> results, int resamples, long bootstrapSeed) {
        Map<CheckpointKey, List<UnitResult>> byCheckpoint = new TreeMap<>();
        for (UnitResult r : results) {
            byCheckpoint.computeIfAbsent(new CheckpointKey(r.tokens(), r.checkpoint()), k -> new ArrayList<>()).add(r);
        }
        List<CheckpointSummary> summaries = new ArrayList<>();
        List<FineTuneGrid> grids = new ArrayList<>();
        List<UnitResult> failed = new ArrayList<>();
        SortedSet<Double> lrs = new TreeSet<>();
        SortedSet<NoiseLevel> noise = new TreeSet<>();
        SortedSet<QuantFormat> quant = new TreeSet<>();
        for (Map.Entry<CheckpointKey, List<UnitResult>> e : byCheckpoint.entrySet()) {
            List<UnitResult> units = e.getValue();
            units.stream().filter(u -> !u.done()).forEach(failed::add);
            List<UnitResult> done = units.stream().filter(UnitResult::done).toList();
            FineTuneGrid grid = FineTuneGrid.of(ofProbe(done, Probe.FINETUNE));
            grids.add(grid);
            CheckpointSummary s = summarise(e.getKey(), units.size(), done, grid);
            summaries.add(s);
            // Settings planned but failed everywhere still deserve a column, so take them from every unit.
            for (UnitResult u : units) {
                switch (u.probe()) {
                    case FINETUNE -> lrs.add(Double.parseDouble(u.setting().get("lr")));
                    case NOISE -> noise.add(NoiseLevel.of(u));
                    case QUANT -> quant.add(QuantFormat.of(u));
                    case BASE -> { }
                }
            }
        }
        List<Double> lrList = List.copyOf(lrs);
        InflectionSearch search = new InflectionSearch(summaries.stream().map(CheckpointSummary::name).toList(),
                summaries.stream().mapToLong(CheckpointSummary::tokens).toArray(), grids);
        List<Inflection> inflections = search.find(InflectionSearch.fineTuneMetrics(lrList), resamples, bootstrapSeed);
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
        return new ScanAnalysis(summaries, lrList, List.copyOf(noise), List.copyOf(quant), inflections, trends, failed,
                results.size(), resamples, bootstrapSeed);
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

    private record CheckpointKey(long tokens, String name) implements Comparable<CheckpointKey> {
        @Override
        public int compareTo(CheckpointKey o) {
            return Comparator.comparingLong(CheckpointKey::tokens).thenComparing(CheckpointKey::name).compare(this, o);
        }
    }

    private static List<UnitResult> ofProbe(List<UnitResult> units, Probe probe) {
        return units.stream().filter(u -> u.probe() == probe).toList();
    }

    private static CheckpointSummary summarise(CheckpointKey key, int unitCount, List<UnitResult> done, FineTuneGrid grid) {
        UnitResult base = ofProbe(done, Probe.BASE).stream().findFirst().orElse(null);
        double baseVal = base == null ? Double.NaN : base.metric("id_val_loss");
        double baseTest = base == null ? Double.NaN : base.metric("id_test_loss");
        double baseOod = base == null ? Double.NaN : base.metric("ood_loss");

        Map<NoiseLevel, List<Double>> noiseDeltas = new LinkedHashMap<>();
        for (UnitResult u : ofProbe(done, Probe.NOISE)) {
            noiseDeltas.computeIfAbsent(NoiseLevel.of(u), k -> new ArrayList<>()).add(u.metric("ood_loss") - baseOod);
        }
        SortedMap<NoiseLevel, NoiseDelta> noise = new TreeMap<>();
        noiseDeltas.forEach((level, deltas) -> {
            double[] d = deltas.stream().mapToDouble(Double::doubleValue).toArray();
            noise.put(level, new NoiseDelta(Stats.mean(d), Stats.tInterval95(d), d.length));
        });

        SortedMap<QuantFormat, QuantDelta> quant = new TreeMap<>();
        for (UnitResult u : ofProbe(done, Probe.QUANT)) {
            quant.put(QuantFormat.of(u), new QuantDelta(u.metric("ood_loss") - baseOod, u.metric("id_test_loss") - baseTest));
        }
        return new CheckpointSummary(key.name(), key.tokens(), unitCount, unitCount - done.size(), baseVal, baseTest, baseOod,
                grid.tuned(grid.seeds()), grid.byLearningRate(), noise, quant);
    }

    private static Trend trend(String key, String label, List<CheckpointSummary> summaries,
                               ToDoubleFunction<CheckpointSummary> value) {
        List<CheckpointSummary> with = summaries.stream().filter(s -> Double.isFinite(value.applyAsDouble(s))).toList();
        double[] tokens = with.stream().mapToDouble(CheckpointSummary::tokens).toArray();
        double[] values = with.stream().mapToDouble(value).toArray();
        if (with.isEmpty()) {
            return new Trend(key, label, 0, Double.NaN, Double.NaN, 0, Double.NaN, 0, Double.NaN);
        }
        CheckpointSummary first = with.get(0);
        CheckpointSummary last = with.get(with.size() - 1);
        return new Trend(key, label, with.size(), Stats.spearman(tokens, values), Stats.spearmanPValue(tokens, values),
                first.tokens(), value.applyAsDouble(first), last.tokens(), value.applyAsDouble(last));
    }
}
