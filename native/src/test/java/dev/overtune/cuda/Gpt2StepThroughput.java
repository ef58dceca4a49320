package dev.overtune.cuda;

import dev.overtune.cuda.driver.Cublas;
import dev.overtune.cuda.exec.CudaBackend;
import dev.overtune.data.Batch;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.train.AdamW;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * GPT-2-124M (d 768, 12 layers, 12 heads, vocab 50257, context 1024) training steps on the device:
 * tokens per second and model FLOPs utilisation against the card's BF16 dense peak. Model FLOPs per
 * token are 6N + 12·L·d·T (N trainable parameters, the PaLM appendix B count with attention), so the
 * figure is comparable with nanoGPT-style reports. Runs at the backend's precision (gpu-check gives
 * it a BF16 one: BF16 GEMM operands, FP32 accumulation and masters) and says which it measured.
 * Bounded in time for gpu-check.
 */
final class Gpt2StepThroughput {
    static final int BATCH = 8;
    static final int SEQ = 1024;
    private static final int WARMUP_STEPS = 2;
    private static final int MAX_STEPS = 10;
    private static final long TIME_BUDGET_NANOS = 60_000_000_000L;

    record Result(String precision, int steps, double secondsPerStep, double tokensPerSecond, double modelFlopsPerToken, String mfu) {
        String describe() {
            return String.format("%s, batch %dx%d, %d steps: %.1f ms/step, %.0f tokens/s, %.1f TFLOPS model; %s",
                    precision, BATCH, SEQ, steps, secondsPerStep * 1e3, tokensPerSecond, tokensPerSecond * modelFlopsPerToken / 1e12, mfu);
        }
    }

    private Gpt2StepThroughput() {}

    static Result measure(CudaBackend backend) {
        CudaDevice device = backend.device();
        LanguageModel model = ModelConfigs.resolve("gpt2-124m");
        TrainConfig config = new TrainConfig(BATCH, SEQ, new LrSchedule(6e-4, 6e-5, 2, 1000), AdamW.Config.defaults(), 1.0);
        try (Arena arena = Arena.ofConfined()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(1);
            String precision = backend.trainingPrecision() + ": " + describe(backend.precision());
            try (Trainer t = new Trainer(backend.trainingStates(), model, params, config, arena)) {
                fill(t.batch(), model.vocabSize());
                for (int i = 0; i < WARMUP_STEPS; i++) {
                    t.step();
                }
                device.synchronize();
                long start = System.nanoTime();
                int steps = 0;
                while (steps < MAX_STEPS && System.nanoTime() - start < TIME_BUDGET_NANOS) {
                    t.step();
                    steps++;
                }
                device.synchronize();
                double seconds = (System.nanoTime() - start) / 1e9 / steps;
                double tokensPerSecond = BATCH * (double) SEQ / seconds;
                long n = params.size();
                int layers = 12;
                int width = 768;
                double flopsPerToken = 6.0 * n + 12.0 * layers * width * SEQ;
                String mfu = Bf16Peak.of(device.name())
                        .map(p -> String.format("MFU %.1f%% of the %s", 100 * tokensPerSecond * flopsPerToken / (p.teraflops() * 1e12), p.describe()))
                        .orElse("MFU not computed: no BF16 peak known for '" + device.name() + "' (Bf16Peak)");
                return new Result(precision, steps, seconds, tokensPerSecond, flopsPerToken, mfu);
            }
        }
    }

    static String describe(Cublas.Precision gemms) {
        return switch (gemms) {
            case BF16 -> "BF16 compute (bf16 GEMM operands, FP32 accumulation), FP32 masters";
            case TF32 -> "TF32 GEMMs, FP32 masters";
            case FP32 -> "FP32 GEMMs, FP32 masters";
        };
    }

    /** Any tokens do for timing: a fixed pseudo-random batch, every position scored. */
    private static void fill(Batch batch, int vocab) {
        SplittableRandom random = new SplittableRandom(7);
        for (long i = 0; i < batch.inputIds().size(); i++) {
            batch.inputIds().setLong(i, random.nextInt(vocab));
            batch.targets().setLong(i, random.nextInt(vocab));
            batch.lossMask().setFloat(i, 1f);
        }
    }
}
