package dev.overtune.findings;

import dev.overtune.scan.UnitResult;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Two result stores of one plan side by side, unit by unit and metric by metric: e.g. the same scan
 * run on the GPU and on the CPU. Units pair by their deterministic id.
 */
public record StoreComparison(List<UnitPair> units, Tolerance tolerance) {
    /** One metric of one unit in both stores; a side that lacks the metric reads NaN. */
    public record MetricPair(String metric, double a, double b) {
        public double absolute() {
            return Math.abs(a - b);
        }

        /** The absolute difference over the larger magnitude; 0 when both are 0. */
        public double relative() {
            double scale = Math.max(Math.abs(a), Math.abs(b));
            return a == b ? 0 : absolute() / scale;
        }
    }

    /** A unit of the plan as each store holds it; a side is null when that store lacks the unit. */
    public record UnitPair(UnitResult a, UnitResult b, List<MetricPair> metrics) {
        public UnitResult either() {
            return a != null ? a : b;
        }

        /** Why this unit cannot be compared metric by metric, or empty when both stores finished it alike. */
        public Optional<String> problem() {
            if (a == null || b == null) {
                return Optional.of("only in store " + (a == null ? "B" : "A"));
            }
            if (a.done() != b.done()) {
                UnitResult failed = a.done() ? b : a;
                return Optional.of("failed in store " + (a.done() ? "B" : "A") + " only: " + failed.reason());
            }
            return Optional.empty();
        }
    }

    /** A metric beyond the tolerance, or a unit with a problem (then metric is null). */
    public record Difference(UnitPair unit, MetricPair metric) {
        public String describe() {
            UnitResult u = unit.either();
            String what = u.checkpoint() + " " + u.kind().label() + label(u);
            return metric == null ? what + ": " + unit.problem().orElseThrow()
                    : what + " " + metric.metric() + ": " + metric.a() + " vs " + metric.b();
        }
    }

    public static StoreComparison of(List<UnitResult> a, List<UnitResult> b, Tolerance tolerance) {
        Map<String, UnitResult> byIdB = new LinkedHashMap<>();
        b.forEach(u -> byIdB.put(u.unitId(), u));
        List<UnitPair> pairs = new ArrayList<>();
        for (UnitResult ua : a) {
            UnitResult ub = byIdB.remove(ua.unitId());
            pairs.add(new UnitPair(ua, ub, ub == null ? List.of() : metrics(ua, ub)));
        }
        byIdB.values().forEach(ub -> pairs.add(new UnitPair(null, ub, List.of())));
        return new StoreComparison(List.copyOf(pairs), tolerance);
    }

    private static List<MetricPair> metrics(UnitResult a, UnitResult b) {
        TreeSet<String> names = new TreeSet<>(a.metrics().keySet());
        names.addAll(b.metrics().keySet());
        return names.stream().map(n -> new MetricPair(n, a.metric(n), b.metric(n))).toList();
    }

    /** Every unit problem and every metric beyond the tolerance, in unit order. */
    public List<Difference> beyondTolerance() {
        List<Difference> out = new ArrayList<>();
        for (UnitPair u : units) {
            if (u.problem().isPresent()) {
                out.add(new Difference(u, null));
                continue;
            }
            for (MetricPair m : u.metrics()) {
                if (!tolerance.within(m.a(), m.b())) {
                    out.add(new Difference(u, m));
                }
            }
        }
        return out;
    }

    public Optional<Difference> largestAbsolute() {
        return largest(Comparator.comparingDouble(MetricPair::absolute));
    }

    public Optional<Difference> largestRelative() {
        return largest(Comparator.comparingDouble(MetricPair::relative));
    }

    private Optional<Difference> largest(Comparator<MetricPair> order) {
        return units.stream().flatMap(u -> u.metrics().stream().filter(m -> !Double.isNaN(m.absolute())).map(m -> new Difference(u, m)))
                .max(Comparator.comparing(Difference::metric, order));
    }

    /** The unit's setting and, where it has one that matters, its seed: " lr=0.003 seed=1". */
    public static String label(UnitResult u) {
        String d = u.probe().describe();
        return d.isEmpty() ? "" : " " + d;
    }
}
