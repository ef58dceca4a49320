package dev.overtune.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The hand-written elementwise, LayerNorm and softmax kernels that no main code loads any more (the graph
 * executor generates its own): test resources under {@code dev/overtune/cuda/test-kernels}, compiled by
 * NVRTC for the device when a test loads them. Their own header ({@code reduce.cuh}) is pasted in, so NVRTC
 * needs only the main headers ({@link KernelModule#headers()}).
 */
public enum TestKernels {
    ELEMENTWISE("elementwise", "overtune_add", "overtune_mul", "overtune_add_row_bias", "overtune_accumulate",
            "overtune_gelu_tanh", "overtune_gelu_tanh_backward", "overtune_gelu_erf", "overtune_gelu_erf_backward",
            "overtune_f32_to_bf16", "overtune_bf16_to_f32"),
    LAYERNORM("layernorm", "overtune_layernorm", "overtune_layernorm_backward_input", "overtune_layernorm_backward_params",
            "overtune_layernorm_stats"),
    SOFTMAX("softmax", "overtune_softmax", "overtune_softmax_backward", "overtune_cross_entropy", "overtune_cross_entropy_backward");

    /** Headers only these kernels include, pasted into their source. */
    public static final List<String> HEADERS = List.of("reduce.cuh");

    private static final String RESOURCES = "/dev/overtune/cuda/test-kernels/";

    private final String file;
    private final List<String> kernels;

    TestKernels(String file, String... kernels) {
        this.file = file;
        this.kernels = List.of(kernels);
    }

    public String fileName() {
        return file + ".cu";
    }

    public List<String> kernels() {
        return kernels;
    }

    /** The source as written. */
    public String rawSource() {
        return resource(fileName());
    }

    /** The source with the test-only headers pasted in, ready for NVRTC. */
    public String source() {
        String source = rawSource();
        for (String h : HEADERS) {
            source = source.replace("#include \"" + h + "\"", resource(h));
        }
        return source;
    }

    /** Compiled by NVRTC for the device (cached like every compile) and loaded. */
    public CudaModule load(CudaDevice gpu) {
        return gpu.compile(fileName(), source());
    }

    static String resource(String name) {
        try (InputStream in = TestKernels.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("test kernel " + name + " is missing from the test resources");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
