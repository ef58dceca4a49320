package dev.overtune.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The hand-written CUDA kernel sources under {@code native/src/main/cuda} that main code loads, one
 * translation unit each, with the kernels ({@code extern "C" __global__}) it defines: the noise and
 * quantisation probes (DevicePerturber) and the device training step (DeviceTrainingState). Everything
 * else a graph needs is generated (cuda.exec); the earlier hand-written elementwise, LayerNorm and softmax
 * kernels are test resources now. The build compiles each to PTX for
 * compute_90 and compute_80 where nvcc exists; the sources themselves are in the jar for NVRTC.
 */
public enum KernelModule {
    NOISE("noise", "overtune_philox_words", "overtune_gaussian", "overtune_add_noise"),
    ADAMW("adamw", "overtune_adamw", "overtune_scale"),
    QUANTIZE("quantize", "overtune_quantize_rtn"),
    TRAIN_STEP("train_step", "overtune_add_anchor", "overtune_sumsq_partials", "overtune_sum_partials");

    /** The headers the sources include, by the name they are included as. */
    public static final List<String> HEADERS = List.of("overtune_math.cuh", "philox.cuh", "adamw.cuh", "quantize.cuh", "gradnorm.cuh");

    /** The PTX targets the build makes, newest first: a device uses the newest its compute capability reaches. */
    public static final List<Integer> PTX_ARCHITECTURES = List.of(90, 80);

    private static final String RESOURCES = "/dev/overtune/cuda/";

    private final String file;
    private final List<String> kernels;

    KernelModule(String file, String... kernels) {
        this.file = file;
        this.kernels = List.of(kernels);
    }

    public String fileName() {
        return file + ".cu";
    }

    public List<String> kernels() {
        return kernels;
    }

    /** The PTX architecture the build made for a device of this compute capability (90 for ≥ 9.0, 80 for ≥ 8.0), if any. */
    public static Optional<Integer> ptxArchitecture(int computeCapability) {
        return PTX_ARCHITECTURES.stream().filter(a -> computeCapability >= a).findFirst();
    }

    /** The build's PTX for the architecture, when the jar was built where nvcc was installed. */
    public Optional<String> ptx(int architecture) {
        return resource(RESOURCES + file + ".compute_" + architecture + ".ptx");
    }

    /** The CUDA C source, for NVRTC. */
    public String source() {
        return resource(RESOURCES + "src/" + fileName()).orElseThrow(() -> new IllegalStateException(
                "kernel source " + fileName() + " is missing from the overtune-native jar (a broken build)"));
    }

    /** Every header, by include name, for NVRTC. */
    public static Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h : HEADERS) {
            headers.put(h, resource(RESOURCES + "src/" + h).orElseThrow(() -> new IllegalStateException(
                    "kernel header " + h + " is missing from the overtune-native jar (a broken build)")));
        }
        return headers;
    }

    private static Optional<String> resource(String path) {
        try (InputStream in = KernelModule.class.getResourceAsStream(path)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path + " from the overtune-native jar", e);
        }
    }
}
