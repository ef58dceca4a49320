package dev.overtune.scan;

import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Quantization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Real result stores scanned from the tiny series, for tests outside this package (the report's): every
 * probe with two settings, so best-LR choice, several noise levels and several formats all occur.
 */
public final class TinyScans {
    /** Units per checkpoint: base + 2 LRs × 2 seeds + 2 γ × 2 samples + 2 formats. */
    public static final int UNITS_PER_CHECKPOINT = 11;
    /** Pre-training tokens given to the broken checkpoint: between the series' first two. */
    public static final long BROKEN_TOKENS = 1000;

    private TinyScans() {}

    public static List<ScanCheckpoint> series(Path dir) {
        return TinySeries.make(dir);
    }

    /** Scans the series into {@code store}. */
    public static void scan(List<ScanCheckpoint> series, Path store) {
        Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(settings()).store(store).run();
    }

    /** Scans the series plus a checkpoint named "broken" whose weights are cut in half, so every one of its units fails. */
    public static void scanWithBrokenCheckpoint(List<ScanCheckpoint> series, Path brokenDir, Path store) {
        try {
            Files.createDirectories(brokenDir);
            Path first = series.get(0).dir();
            Files.copy(first.resolve("config.json"), brokenDir.resolve("config.json"));
            byte[] weights = Files.readAllBytes(first.resolve("model.safetensors"));
            Files.write(brokenDir.resolve("model.safetensors"), Arrays.copyOf(weights, weights.length / 2));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<ScanCheckpoint> withBroken = new ArrayList<>(series);
        withBroken.add(1, new ScanCheckpoint("broken", brokenDir, BROKEN_TOKENS));
        scan(withBroken, store);
    }

    static ScanSettings settings() {
        ScanSettings s = TinySeries.settings();
        return new ScanSettings(s.eval(),
                new ScanSettings.FineTune(List.of(1e-3, 3e-3), List.of(0L, 1L), 4, 4, 32, 1, 0.0, 0.0),
                new ScanSettings.Noise(NoiseScale.INIT, List.of(0.5, 2.0), 2, 50),
                new ScanSettings.Quant(List.of(new Quantization(8, 0), new Quantization(4, 0))),
                s.threads());
    }
}
