package dev.overtune.scan;

import dev.overtune.probe.Probe;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One measurement: a checkpoint × a probe with its setting and seed. Its id is a hash of exactly
 * those, so the same unit has the same id in every run, which is what lets a killed scan resume.
 */
public record Unit(String id, ScanCheckpoint checkpoint, Probe probe) implements ProbedUnit {
    public static Unit of(ScanCheckpoint checkpoint, Probe probe) {
        String key = checkpoint.name() + "|" + checkpoint.tokens() + "|" + probe.kind().label() + "|" + probe.fields() + "|" + probe.seed();
        return new Unit(sha256(key).substring(0, 20), checkpoint, probe);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
