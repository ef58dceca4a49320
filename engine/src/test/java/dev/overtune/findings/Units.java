package dev.overtune.findings;

import dev.overtune.probe.ProbeKind;
import dev.overtune.scan.UnitResult;

import java.util.List;
import java.util.Map;

/** Hand-built stored units with chosen numbers, so the analysis can be checked against answers worked out by hand. */
public final class Units {
    private Units() {}

    static String ckpt(long tokens) {
        return "ckpt-" + tokens;
    }

    static UnitResult base(long tokens, double idVal, double idTest, double ood) {
        return done(tokens, ProbeKind.BASE, Map.of(), 0, Map.of("id_val_loss", idVal, "id_test_loss", idTest, "ood_loss", ood), List.of());
    }

    static UnitResult fineTune(long tokens, double lr, long seed, double idVal, double idTest, double ood) {
        return done(tokens, ProbeKind.FINETUNE, Map.of("lr", Double.toString(lr)), seed,
                Map.of("id_val_loss", idVal, "id_test_loss", idTest, "ood_loss", ood, "train_loss_last", idVal - 0.1),
                List.of(idVal + 1, idVal + 0.5, idVal - 0.1));
    }

    /** A base unit with per-window losses: each metric is the mean of its windows. */
    static UnitResult base(long tokens, Map<String, double[]> windows) {
        return withWindows(tokens, ProbeKind.BASE, Map.of(), 0, windows);
    }

    static UnitResult fineTune(long tokens, double lr, long seed, Map<String, double[]> windows) {
        return withWindows(tokens, ProbeKind.FINETUNE, Map.of("lr", Double.toString(lr)), seed, windows);
    }

    static UnitResult noise(long tokens, double gamma, long sample, double[] oodWindows) {
        return withWindows(tokens, ProbeKind.NOISE, Map.of("scale", "init", "gamma", Double.toString(gamma)), sample, Map.of("ood_loss", oodWindows));
    }

    /** Windows around a mean: mean + offsets[i], with offsets that sum to zero so the metric is the mean. */
    static double[] windows(double mean, double... offsets) {
        double[] w = new double[offsets.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = mean + offsets[i];
        }
        return w;
    }

    /**
     * A label task's unit: each loss in {@code examples} is the mean of its per-example losses weighted by
     * {@code weights} (tokens per example), which are stored beside them as the scan stores them.
     */
    static UnitResult labelTask(long tokens, ProbeKind probe, Map<String, String> setting, long seed, Map<String, double[]> examples,
                                double[] weights) {
        Map<String, Double> metrics = new java.util.HashMap<>();
        Map<String, double[]> samples = new java.util.HashMap<>(examples);
        examples.forEach((name, x) -> {
            double s = 0;
            double sw = 0;
            for (int i = 0; i < x.length; i++) {
                s += weights[i] * x[i];
                sw += weights[i];
            }
            metrics.put(name, s / sw);
            samples.put(name + UnitResult.WEIGHTS, weights.clone());
        });
        return new UnitResult(id(tokens, probe, setting, seed), ckpt(tokens), tokens, probe, setting, seed, UnitResult.Status.DONE,
                metrics, List.of(), null, "test", "0.0-test", "abc1234", 0.5, samples);
    }

    private static UnitResult withWindows(long tokens, ProbeKind probe, Map<String, String> setting, long seed, Map<String, double[]> windows) {
        Map<String, Double> metrics = new java.util.HashMap<>();
        windows.forEach((name, w) -> metrics.put(name, java.util.Arrays.stream(w).average().orElseThrow()));
        return new UnitResult(id(tokens, probe, setting, seed), ckpt(tokens), tokens, probe, setting, seed, UnitResult.Status.DONE,
                metrics, List.of(), null, "test", "0.0-test", "abc1234", 0.5, windows);
    }

    static UnitResult noise(long tokens, double gamma, long sample, double ood) {
        return done(tokens, ProbeKind.NOISE, Map.of("scale", "init", "gamma", Double.toString(gamma)), sample, Map.of("ood_loss", ood), List.of());
    }

    static UnitResult quant(long tokens, int bits, int group, double idVal, double idTest, double ood) {
        return done(tokens, ProbeKind.QUANT, Map.of("bits", Integer.toString(bits), "group", Integer.toString(group)), 0,
                Map.of("id_val_loss", idVal, "id_test_loss", idTest, "ood_loss", ood), List.of());
    }

    public static UnitResult failed(long tokens, ProbeKind probe, Map<String, String> setting, long seed, String reason) {
        return new UnitResult(id(tokens, probe, setting, seed), ckpt(tokens), tokens, probe, setting, seed, UnitResult.Status.FAILED,
                Map.of(), List.of(), reason, "test", "0.0-test", "abc1234", 0.1);
    }

    private static UnitResult done(long tokens, ProbeKind probe, Map<String, String> setting, long seed, Map<String, Double> metrics,
                                   List<Double> curve) {
        return new UnitResult(id(tokens, probe, setting, seed), ckpt(tokens), tokens, probe, setting, seed, UnitResult.Status.DONE,
                metrics, curve, null, "test", "0.0-test", "abc1234", 0.5);
    }

    private static String id(long tokens, ProbeKind probe, Map<String, String> setting, long seed) {
        return Integer.toHexString((tokens + "|" + probe + "|" + new java.util.TreeMap<>(setting) + "|" + seed).hashCode());
    }
}
