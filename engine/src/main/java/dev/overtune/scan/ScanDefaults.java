package dev.overtune.scan;

import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Quantization;

import java.util.List;

/** Defaults sized for the small models a CPU scan can afford; every one is a flag of {@code overtune scan}. */
public final class ScanDefaults {
    private ScanDefaults() {}

    public static ScanSettings settings() {
        return new ScanSettings(
                new ScanSettings.Eval(8, 64, ScanSettings.Eval.ALL),
                new ScanSettings.FineTune(List.of(1e-3, 3e-3, 1e-2), List.of(0L, 1L, 2L), 40, 8, 64, 4, 0.0, 0.0),
                new ScanSettings.Noise(NoiseScale.INIT, List.of(0.5, 1.0, 2.0), 3, 1000),
                new ScanSettings.Quant(List.of(new Quantization(8, 0), new Quantization(4, 0), new Quantization(4, 32))),
                Runtime.getRuntime().availableProcessors());
    }
}
