package dev.overtune.scan;

import dev.overtune.probe.Probe;
import dev.overtune.probe.Quantization;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The units of a scan in a fixed order (checkpoint by checkpoint, then base, fine-tune, noise,
 * quant), and the checkpoints a shard {@code i/n} runs.
 */
public record ScanPlan(List<ScanCheckpoint> checkpoints, String taskName, ScanSettings settings, List<Unit> units, String planHash) {
    /**
     * @param taskHash a hash of the task's content
     * @param oodHash a hash of the held-out tokens: a store never mixes OOD losses on different text
     */
    public static ScanPlan of(List<ScanCheckpoint> checkpoints, String taskName, String taskHash, String oodHash, ScanSettings s) {
        if (checkpoints.isEmpty()) {
            throw new IllegalArgumentException("the series has no checkpoints to scan");
        }
        List<Unit> units = new ArrayList<>();
        for (ScanCheckpoint c : checkpoints) {
            units.add(Unit.of(c, new Probe.Base()));
            for (double lr : s.fineTune().learningRates()) {
                for (long seed : s.fineTune().seeds()) {
                    units.add(Unit.of(c, new Probe.FineTune(lr, seed)));
                }
            }
            for (double gamma : s.noise().gammas()) {
                for (int k = 0; k < s.noise().samples(); k++) {
                    units.add(Unit.of(c, new Probe.Noise(s.noise().scale(), gamma, s.noise().seed() + k)));
                }
            }
            for (Quantization q : s.quant().formats()) {
                units.add(Unit.of(c, new Probe.Quant(q)));
            }
        }
        String hash = Unit.sha256("task=" + taskName + ":" + taskHash + ";ood=" + oodHash + ";" + s.compatibilityKey()).substring(0, 16);
        return new ScanPlan(List.copyOf(checkpoints), taskName, s, List.copyOf(units), hash);
    }

    /**
     * Shard {@code index} of {@code count}: the units of the checkpoints whose name hashes to it, so each checkpoint is loaded
     * by one shard only, and a checkpoint keeps its shard when others are added to the series. Shards are disjoint and
     * cover the plan; with more shards than checkpoints some are empty.
     */
    public List<Unit> shard(int index, int count) {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard must be i/n with 0 <= i < n, got " + index + "/" + count);
        }
        List<Unit> out = new ArrayList<>();
        for (Unit u : units) {
            if (shardOf(u.checkpoint().name(), count) == index) {
                out.add(u);
            }
        }
        return out;
    }

    /** The shard of {@code count} a checkpoint belongs to: the first 8 bytes of the SHA-256 of its name, modulo count. */
    public static int shardOf(String checkpointName, int count) {
        long h = Long.parseUnsignedLong(Unit.sha256(checkpointName).substring(0, 15), 16);
        return (int) (h % count);
    }

    /** Units grouped by checkpoint, in plan order. */
    public static Map<ScanCheckpoint, List<Unit>> byCheckpoint(List<Unit> units) {
        Map<ScanCheckpoint, List<Unit>> out = new LinkedHashMap<>();
        for (Unit u : units) {
            out.computeIfAbsent(u.checkpoint(), k -> new ArrayList<>()).add(u);
        }
        return out;
    }
}
