package dev.overtune.bench.peers;

import dev.overtune.backend.HostTensor;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;

import java.util.SplittableRandom;

/**
 * Stand-ins for the engine's probes (dev.overtune.probe.Perturbations is not on main yet): plain,
 * single-threaded Java loops doing what the paper's probes do, so the harness has an overtune
 * figure to show. Replace with the engine's code once it lands; the table's notes say which ran.
 */
final class PlainProbes {
    static final String DESCRIPTION = "plain single-threaded Java loops (SplittableRandom.nextGaussian; two-pass int8 RTN)"
            + " standing in for dev.overtune.probe, which is not on main yet";
    private static final float INT8_LEVELS = 127f;

    private PlainProbes() {}

    /** out = base + N(0, (γ · init std)²) per tensor; constant-initialised tensors (std 0) are copied. */
    static void addInitNoise(ParamStore base, ParamStore out, double gamma, SplittableRandom rnd) {
        for (ParamSpec spec : base.specs()) {
            HostTensor src = base.tensor(spec.name());
            HostTensor dst = out.tensor(spec.name());
            double sigma = gamma * spec.initStd();
            if (sigma == 0) {
                dst.copyFrom(src);
                continue;
            }
            long n = src.size();
            for (long i = 0; i < n; i++) {
                dst.setFloat(i, (float) (src.getFloat(i) + sigma * rnd.nextGaussian()));
            }
        }
    }

    /** out = base with every matrix rounded to nearest on the int8 grid, one scale per output channel. */
    static void quantizeInt8PerChannel(ParamStore base, ParamStore out, LanguageModel model) {
        for (ParamSpec spec : base.specs()) {
            HostTensor src = base.tensor(spec.name());
            HostTensor dst = out.tensor(spec.name());
            if (spec.shape().rank() != 2) {
                dst.copyFrom(src);
                continue;
            }
            int rows = spec.shape().dim(0);
            int cols = spec.shape().dim(1);
            boolean perColumn = outputAxis(model, spec) == 1;
            float[] scales = new float[perColumn ? cols : rows];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int ch = perColumn ? c : r;
                    scales[ch] = Math.max(scales[ch], Math.abs(src.getFloat((long) r * cols + c)));
                }
            }
            for (int ch = 0; ch < scales.length; ch++) {
                scales[ch] = scales[ch] == 0 ? 1f : scales[ch] / INT8_LEVELS;  // an all-zero channel stays zero
            }
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    long i = (long) r * cols + c;
                    float scale = scales[perColumn ? c : r];
                    float q = Math.max(-INT8_LEVELS, Math.min(INT8_LEVELS, (float) Math.rint(src.getFloat(i) / scale)));
                    dst.setFloat(i, q * scale);
                }
            }
        }
    }

    /** Output channels of GPT-2's Conv1D weights [in, out] are columns; embeddings' and Linear's [out, in] rows. */
    static int outputAxis(LanguageModel model, ParamSpec matrix) {
        boolean embedding = matrix.name().endsWith(".wte.weight") || matrix.name().endsWith(".wpe.weight");
        return model.family().equals("gpt2") && !embedding ? 1 : 0;
    }
}
