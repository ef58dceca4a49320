package dev.overtune.scan;

import dev.overtune.backend.OrtBackend;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.data.TokenWindows;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Quantization;
import dev.overtune.text.ByteTokenizer;
import dev.overtune.train.AdamW;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A three-checkpoint series of the tiny GPT-2, trained on the shipped sample text, for scan tests. */
final class TinySeries {
    static final long[] STEPS = {4, 12, 24};
    static final int BATCH = 4;
    static final int SEQ = 32;

    private TinySeries() {}

    static int[] sampleTokens() {
        try (InputStream in = TinySeries.class.getResourceAsStream("/dev/overtune/demo/sample.txt")) {
            return new ByteTokenizer().encode(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** First two thirds of the sample pre-train the series; the rest is the held-out "OOD" text. */
    static int[] pretrainTokens() {
        int[] t = sampleTokens();
        return Arrays.copyOfRange(t, 0, t.length * 2 / 3);
    }

    static int[] oodTokens() {
        int[] t = sampleTokens();
        return Arrays.copyOfRange(t, t.length * 2 / 3, t.length);
    }

    /** A task from another distribution: the pre-training text with its words reversed. */
    static ScanTask task() {
        StringBuilder b = new StringBuilder();
        String text = new String(toBytes(sampleTokens()), StandardCharsets.UTF_8);
        for (String word : text.split(" ")) {
            b.append(new StringBuilder(word).reverse()).append(' ');
        }
        return new TextTask("reversed-words", new ByteTokenizer().encode(b.toString()));
    }

    static List<ScanCheckpoint> make(Path dir) {
        LanguageModel model = ModelConfigs.resolve("tiny");
        TokenWindows data = new TokenWindows(pretrainTokens(), 1);
        List<ScanCheckpoint> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined(); OrtBackend backend = new OrtBackend()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(7);
            TrainConfig cfg = new TrainConfig(BATCH, SEQ, new LrSchedule(3e-3, 3e-3, 0, STEPS[STEPS.length - 1]), AdamW.Config.defaults(), 1.0);
            try (Trainer t = new Trainer(backend, model, params, cfg, arena)) {
                for (long steps : STEPS) {
                    while (t.nextStep() < steps) {
                        t.step(data);
                    }
                    String name = "step" + steps;
                    ModelWeights.save(dir.resolve(name), model, params, Map.of());
                    out.add(new ScanCheckpoint(name, dir.resolve(name), steps * BATCH * SEQ));
                }
            }
        }
        return out;
    }

    static ScanSettings settings() {
        return settings(2);
    }

    /** The same with {@code noiseSamples} noise units per checkpoint: 4 + noiseSamples units each. */
    static ScanSettings settings(int noiseSamples) {
        return new ScanSettings(
                new ScanSettings.Eval(4, 32, 2),
                new ScanSettings.FineTune(List.of(3e-3), List.of(0L, 1L), 4, 4, 32, 1, 0.0, 0.0),
                new ScanSettings.Noise(NoiseScale.INIT, List.of(1.0), noiseSamples, 50),
                new ScanSettings.Quant(List.of(new Quantization(8, 0))),
                2);
    }

    /** Units per checkpoint with {@link #settings()}: base + 2 fine-tunes + 2 noise samples + 1 quant. */
    static final int UNITS_PER_CHECKPOINT = 6;

    private static byte[] toBytes(int[] ids) {
        byte[] b = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            b[i] = (byte) ids[i];
        }
        return b;
    }
}
