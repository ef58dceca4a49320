package dev.overtune.backends;

import dev.overtune.backend.Backend;
import dev.overtune.backend.BackendException;
import dev.overtune.backend.OrtBackend;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.cuda.driver.Outcome;
import dev.overtune.cuda.exec.CudaBackend;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The engine's backend choice, made explicit: {@code cpu} is ONNX Runtime on the CPU; {@code cuda}
 * is the GPU or an error saying why not; {@code auto} is the GPU where one is usable, else the CPU
 * with the reason said once per process.
 *
 * <p>The CUDA backend's graph executor is verified on the host only (see native/CUDA.md): {@code cuda}
 * gives it wherever a device opens, but {@code auto} keeps to the CPU, saying so, until it has been
 * checked on a GPU.
 */
public final class Backends {
    private static final AtomicBoolean NOTICE_GIVEN = new AtomicBoolean();

    /** Why {@code auto} does not take a usable GPU yet; native/CUDA.md says what is verified. */
    public static final String CUDA_BACKEND_UNVERIFIED =
            "the CUDA graph executor is not yet verified on a GPU (see native/CUDA.md); choose it explicitly with --backend cuda";

    private Backends() {}

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    /** Chooses as described, logging once (INFO, {@link System.Logger}) why the CPU was taken under {@code auto}. */
    public static Backend select(String choice) {
        return select(choice, message -> LOG.log(System.Logger.Level.INFO, message));
    }

    public static Backend select(String choice, Consumer<String> notice) {
        return select(choice, Runtime.getRuntime().availableProcessors(), notice);
    }

    /** As {@link #select(String, Consumer)}, with ONNX Runtime on {@code cpuThreads} intra-op threads when the CPU is taken. */
    public static Backend select(String choice, int cpuThreads, Consumer<String> notice) {
        return select(choice, Cublas.Precision.TF32, cpuThreads, notice);
    }

    /**
     * As {@link #select(String, int, Consumer)}, the GPU's GEMMs at {@code gemms}; the CPU computes in
     * FP32 whatever it is (ONNX Runtime CPU has no TF32 or BF16 GEMMs).
     */
    public static Backend select(String choice, Cublas.Precision gemms, int cpuThreads, Consumer<String> notice) {
        return switch (choice == null ? "" : choice.toLowerCase(Locale.ROOT)) {
            case "cpu" -> new OrtBackend(cpuThreads);
            case "cuda" -> {
                Outcome<CudaDevice> device = CudaBackends.open();
                if (device instanceof Outcome.Available<CudaDevice>(CudaDevice d)) {
                    yield new CudaBackend(d, gemms);
                }
                throw new BackendException("--backend cuda: " + device.reason());
            }
            case "auto" -> {
                String why = cudaUnusable();
                if (NOTICE_GIVEN.compareAndSet(false, true)) {
                    notice.accept("using the CPU backend (onnxruntime-cpu): " + why);
                }
                yield new OrtBackend(cpuThreads);
            }
            default -> throw new IllegalArgumentException("backend must be cpu, cuda or auto, got '" + choice + "'");
        };
    }

    /** Why {@code auto} does not use the GPU here: the device's reason, or that the executor is unverified. */
    static String cudaUnusable() {
        Outcome<CudaDevice> device = CudaBackends.open();
        if (device instanceof Outcome.Available<CudaDevice>(CudaDevice d)) {
            try (d) {
                return d.name() + " is usable, but " + CUDA_BACKEND_UNVERIFIED;
            }
        }
        return device.reason();
    }

    /** For tests: lets the next {@code auto} selection speak again. */
    static void resetNotice() {
        NOTICE_GIVEN.set(false);
    }
}
