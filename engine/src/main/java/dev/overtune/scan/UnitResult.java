package dev.overtune.scan;

import dev.overtune.probe.Probe;
import dev.overtune.probe.ProbeKind;

import java.util.List;
import java.util.Map;

/**
 * A finished unit as stored: its metrics (e.g. {@code ood_loss}, {@code id_val_loss}) or the reason
 * it failed, the training-loss curve for fine-tunes, and what produced it.
 *
 * @param samples per loss metric, the per-window (language modelling) or per-example (label tasks) losses whose
 *                mean is that metric, in the same order in every unit of a plan, so checkpoints can be compared
 *                window by window; empty for units stored before they were kept. A metric that is a weighted
 *                mean (a label task's loss: per-example loss per token, weighted by the example's tokens) has
 *                its weights under {@code <metric>}{@value #WEIGHTS}; see {@link #weights(String)}
 */
public record UnitResult(String unitId, String checkpoint, long tokens, Probe probe,
                         Status status, Map<String, Double> metrics, List<Double> curve, String reason,
                         String backend, String engineVersion, String gitHash, double seconds,
                         Map<String, double[]> samples) implements ProbedUnit {
    public enum Status { DONE, FAILED }

    /** The suffix of the samples entry holding a weighted metric's weights. */
    public static final String WEIGHTS = "_weights";

    public UnitResult {
        metrics = Map.copyOf(metrics);
        curve = List.copyOf(curve);
        samples = Map.copyOf(samples);
    }

    /** A unit as a store holds it: the probe's kind, stored setting and seed (see {@link Probe#of}). */
    public UnitResult(String unitId, String checkpoint, long tokens, ProbeKind kind, Map<String, String> setting, long seed,
                      Status status, Map<String, Double> metrics, List<Double> curve, String reason,
                      String backend, String engineVersion, String gitHash, double seconds, Map<String, double[]> samples) {
        this(unitId, checkpoint, tokens, Probe.of(kind, setting, seed), status, metrics, curve, reason, backend, engineVersion,
                gitHash, seconds, samples);
    }

    /** A unit without per-window losses (as stored before they were kept). */
    public UnitResult(String unitId, String checkpoint, long tokens, ProbeKind kind, Map<String, String> setting, long seed,
                      Status status, Map<String, Double> metrics, List<Double> curve, String reason,
                      String backend, String engineVersion, String gitHash, double seconds) {
        this(unitId, checkpoint, tokens, kind, setting, seed, status, metrics, curve, reason, backend, engineVersion, gitHash,
                seconds, Map.of());
    }

    /** The per-window or per-example losses behind a metric, or null when the unit has none for it. */
    public double[] samples(String metric) {
        double[] s = samples.get(metric);
        return s == null ? null : s.clone();
    }

    /** The weights of a metric's samples (e.g. tokens per example), or null when they weigh the same. */
    public double[] weights(String metric) {
        return samples(metric + WEIGHTS);
    }

    /** Samples compare by their values (a record would compare the arrays by identity), so a unit read twice is equal to itself. */
    @Override
    public boolean equals(Object o) {
        return o instanceof UnitResult u && unitId.equals(u.unitId) && checkpoint.equals(u.checkpoint) && tokens == u.tokens
                && probe.equals(u.probe) && status == u.status && metrics.equals(u.metrics)
                && curve.equals(u.curve) && java.util.Objects.equals(reason, u.reason) && java.util.Objects.equals(backend, u.backend)
                && java.util.Objects.equals(engineVersion, u.engineVersion) && java.util.Objects.equals(gitHash, u.gitHash)
                && Double.compare(seconds, u.seconds) == 0 && sameSamples(samples, u.samples);
    }

    private static boolean sameSamples(Map<String, double[]> a, Map<String, double[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, double[]> e : a.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = java.util.Objects.hash(unitId, checkpoint, tokens, probe, status, metrics, curve, reason, backend,
                engineVersion, gitHash, seconds);
        for (Map.Entry<String, double[]> e : samples.entrySet()) {
            h += e.getKey().hashCode() ^ java.util.Arrays.hashCode(e.getValue());
        }
        return h;
    }

    public boolean done() {
        return status == Status.DONE;
    }

    public double metric(String name) {
        Double v = metrics.get(name);
        return v == null ? Double.NaN : v;
    }
}
