package dev.overtune.scan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One measurement: a checkpoint × a probe × one setting × one seed. Its id is a hash of exactly
 * those, so the same unit has the same id in every run, which is what lets a killed scan resume.
 */
public record Unit(String id, ScanCheckpoint checkpoint, Probe probe, SortedMap<String, String> setting, long seed) {
    public static Unit of(ScanCheckpoint checkpoint, Probe probe, Map<String, String> setting, long seed) {
        SortedMap<String, String> sorted = new TreeMap<>(setting);
        String key = checkpoint.name() + "|" + checkpoint.tokens() + "|" + probe.label() + "|" + sorted + "|" + seed;
        return new Unit(sha256(key).substring(0, 20), checkpoint, probe, sorted, seed);
    }

    public String settingLabel() {
        StringBuilder b = new StringBuilder();
        setting.forEach((k, v) -> b.append(b.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
