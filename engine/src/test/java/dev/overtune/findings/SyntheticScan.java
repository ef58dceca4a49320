package dev.overtune.findings;

import dev.overtune.probe.ProbeKind;
import dev.overtune.scan.UnitResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A made-up scan with the shape the paper reports, for tests of the writers: base losses that keep
 * falling, fine-tuned ID loss that is U-shaped (lowest at {@link #MIN_TOKENS}, early enough that the rise after it
 * spans six checkpoints, which a permutation test over eight can find), noise and quantisation
 * sensitivity that grow with tokens, one checkpoint whose every unit failed and one diverged fine-tune.
 */
public final class SyntheticScan {
    public static final long[] TOKENS = {1_000_000, 2_000_000, 4_000_000, 8_000_000, 16_000_000, 32_000_000, 64_000_000, 128_000_000};
    public static final long MIN_TOKENS = 4_000_000;
    /** The checkpoint whose weights could not be read. */
    static final long BROKEN_TOKENS = 24_000_000;
    static final double[] LRS = {1e-3, 3e-3, 1e-2};
    static final double[] GAMMAS = {0.5, 1.0, 2.0};

    private SyntheticScan() {}

    public static List<UnitResult> units() {
        Random rng = new Random(42);
        List<UnitResult> out = new ArrayList<>();
        for (int c = 0; c < TOKENS.length; c++) {
            long t = TOKENS[c];
            double x = Math.log(t / (double) MIN_TOKENS) / Math.log(2);
            double baseId = 5.0 - 0.25 * c;
            double baseOod = 4.0 - 0.2 * c;
            out.add(Units.base(t, baseId, baseId + 0.02, baseOod));
            for (int l = 0; l < LRS.length; l++) {
                // Larger rates help early and hurt sooner: their minimum comes at fewer tokens.
                double shift = (l - 1) * 1.0;
                double idAfter = 2.6 + 0.03 * (x + shift) * (x + shift) + 0.05 * Math.abs(l - 1);
                for (long seed = 0; seed < 3; seed++) {
                    if (l == 2 && c == 6 && seed == 1) {
                        out.add(Units.failed(t, ProbeKind.FINETUNE, Map.of("lr", Double.toString(LRS[l])), seed,
                                "fine-tune diverged: loss is NaN at step 31"));
                        continue;
                    }
                    double e = rng.nextGaussian() * 0.01;
                    out.add(Units.fineTune(t, LRS[l], seed, idAfter + e, idAfter + 0.01 + e, baseOod + 0.3 + 0.03 * c * c + e));
                }
            }
            for (double gamma : GAMMAS) {
                for (long k = 0; k < 3; k++) {
                    double d = gamma * gamma * 0.02 * Math.pow(1.45, c) * (1 + rng.nextGaussian() * 0.1);
                    out.add(Units.noise(t, gamma, k, baseOod + d));
                }
            }
            out.add(Units.quant(t, 8, 0, baseId, baseId + 0.02 + 0.001 * c, baseOod + 0.001 * c));
            out.add(Units.quant(t, 4, 0, baseId, baseId + 0.02 + 0.05 * Math.pow(1.3, c), baseOod + 0.04 * Math.pow(1.3, c)));
            out.add(Units.quant(t, 4, 32, baseId, baseId + 0.02 + 0.02 * Math.pow(1.3, c), baseOod + 0.015 * Math.pow(1.3, c)));
        }
        String reason = "model.safetensors: file is 4096 bytes, header says 81920";
        out.add(Units.failed(BROKEN_TOKENS, ProbeKind.BASE, Map.of(), 0, reason));
        for (double lr : LRS) {
            for (long seed = 0; seed < 3; seed++) {
                out.add(Units.failed(BROKEN_TOKENS, ProbeKind.FINETUNE, Map.of("lr", Double.toString(lr)), seed, reason));
            }
        }
        return out;
    }
}
