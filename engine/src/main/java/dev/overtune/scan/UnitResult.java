package dev.overtune.scan;

import java.util.List;
import java.util.Map;

/**
 * A finished unit as stored: its metrics (e.g. {@code ood_loss}, {@code id_val_loss}) or the reason
 * it failed, the training-loss curve for fine-tunes, and what produced it.
 */
public record UnitResult(String unitId, String checkpoint, long tokens, Probe probe, Map<String, String> setting, long seed,
                         Status status, Map<String, Double> metrics, List<Double> curve, String reason,
                         String backend, String engineVersion, String gitHash, double seconds) {
    public enum Status { DONE, FAILED }

    public UnitResult {
        setting = Map.copyOf(setting);
        metrics = Map.copyOf(metrics);
        curve = List.copyOf(curve);
    }

    public boolean done() {
        return status == Status.DONE;
    }

    public double metric(String name) {
        Double v = metrics.get(name);
        return v == null ? Double.NaN : v;
    }
}
