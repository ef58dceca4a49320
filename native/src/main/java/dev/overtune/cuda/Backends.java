package dev.overtune.cuda;

import dev.overtune.backend.Backend;
import dev.overtune.backend.BackendException;
import dev.overtune.backend.OrtBackend;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The engine's backend choice, made explicit: {@code cpu} is ONNX Runtime on the CPU; {@code cuda}
 * is the GPU or an error saying why not; {@code auto} is the GPU where one is usable, else the CPU
 * with the reason said once per process.
 *
 * <p>The CUDA backend does not run IR graphs yet (see native/CUDA.md): today {@code cuda} fails
 * with that reason even on a usable GPU, and {@code auto} uses the CPU and says so.
 */
public final class Backends {
    private static final AtomicBoolean NOTICE_GIVEN = new AtomicBoolean();

    /** What the CUDA path lacks, for the messages; native/CUDA.md has the full list. */
    public static final String CUDA_BACKEND_MISSING =
            "the CUDA backend cannot run IR graphs yet (bindings, kernels and device handling exist; the graph executor does not: see native/CUDA.md)";

    private Backends() {}

    /** Chooses as described, telling stderr once why the CPU was taken under {@code auto}. */
    public static Backend select(String choice) {
        return select(choice, message -> System.err.println("overtune: " + message));
    }

    public static Backend select(String choice, Consumer<String> notice) {
        return switch (choice == null ? "" : choice.toLowerCase(Locale.ROOT)) {
            case "cpu" -> new OrtBackend();
            case "cuda" -> {
                String why = cudaUnusable();
                throw new BackendException("--backend cuda: " + why);
            }
            case "auto" -> {
                String why = cudaUnusable();
                if (NOTICE_GIVEN.compareAndSet(false, true)) {
                    notice.accept("using the CPU backend (onnxruntime-cpu): " + why);
                }
                yield new OrtBackend();
            }
            default -> throw new IllegalArgumentException("backend must be cpu, cuda or auto, got '" + choice + "'");
        };
    }

    /** Why the GPU cannot run the engine's graphs here: the device's reason, or the missing backend. */
    static String cudaUnusable() {
        Outcome<CudaDevice> device = CudaBackends.open();
        if (device instanceof Outcome.Available<CudaDevice>(CudaDevice d)) {
            try (d) {
                return d.name() + " is usable, but " + CUDA_BACKEND_MISSING;
            }
        }
        return device.reason();
    }

    /** For tests: lets the next {@code auto} selection speak again. */
    static void resetNotice() {
        NOTICE_GIVEN.set(false);
    }
}
