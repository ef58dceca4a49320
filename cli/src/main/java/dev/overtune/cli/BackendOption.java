package dev.overtune.cli;

import dev.overtune.backend.Backend;
import dev.overtune.backend.BackendException;
import dev.overtune.backend.OrtBackend;
import dev.overtune.backends.Backends;
import dev.overtune.cuda.driver.Cublas;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** The {@code --backend} and {@code --precision} flags of the commands that run graphs: where the math runs, and how exactly. */
final class BackendOption {
    enum Choice { cpu, cuda, auto }

    /** The CUDA backend's GEMM precision; everything else runs in FP32 at each of them. */
    enum PrecisionChoice {
        fp32(Cublas.Precision.FP32), tf32(Cublas.Precision.TF32), bf16(Cublas.Precision.BF16);

        final Cublas.Precision gemms;

        PrecisionChoice(Cublas.Precision gemms) {
            this.gemms = gemms;
        }
    }

    static final PrecisionChoice DEFAULT_PRECISION = PrecisionChoice.tf32;

    /** The CPU's notice that --precision does not apply is said once per process (the demo opens a backend three times). */
    private static final AtomicBoolean PRECISION_NOTICE_GIVEN = new AtomicBoolean();

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "cpu|cuda|auto",
            description = "Where the math runs: cpu (ONNX Runtime, the default), cuda (the GPU, or an error saying why not) "
                    + "or auto (the GPU where usable, else the CPU, saying why once) (default: ${DEFAULT-VALUE}).")
    Choice choice = Choice.cpu;

    @Option(names = "--precision", paramLabel = "fp32|tf32|bf16",
            description = "GEMM precision on the CUDA backend: fp32 (exact), tf32 (tensor cores, FP32 accumulation; the default) "
                    + "or bf16 (bf16 operands, FP32 accumulation; parameters, gradients and optimizer state stay FP32). "
                    + "The CPU backend computes in FP32 and ignores it, saying so once.")
    PrecisionChoice precision;

    /** The precision asked for, or the default when none was. */
    PrecisionChoice precision() {
        return precision == null ? DEFAULT_PRECISION : precision;
    }

    /**
     * The chosen backend, to be opened before anything is written, so that a GPU that cannot be had
     * leaves no output behind. {@code cpuThreads} applies when the CPU is taken.
     */
    Backend open(int cpuThreads) {
        Backend backend;
        try {
            backend = Backends.select(choice.name(), precision().gemms, cpuThreads, message -> System.err.println("overtune: " + message));
        } catch (BackendException e) {
            throw new BackendUnavailableException(e.getMessage());
        }
        if (precision != null && backend instanceof OrtBackend && PRECISION_NOTICE_GIVEN.compareAndSet(false, true)) {
            System.err.println("overtune: --precision " + precision + " applies to the CUDA backend only; " + backend.name()
                    + " computes in FP32");
        }
        return backend;
    }

    /** Checks that the chosen backend can be had here, for commands that hand the choice on to others. */
    void requireAvailable(int cpuThreads) {
        open(cpuThreads).close();
    }

    /** The flags that hand this choice on to another command: none for the defaults. */
    List<String> forwarded() {
        List<String> args = new ArrayList<>();
        if (choice != Choice.cpu) {
            args.addAll(List.of("--backend", choice.name()));
        }
        if (precision != null) {
            args.addAll(List.of("--precision", precision.name()));
        }
        return args;
    }

    /** "2 threads on onnxruntime-cpu", or the backend's name where threads do not apply. */
    static String describe(Backend backend) {
        return backend instanceof OrtBackend ort ? ort.threads() + " threads on " + ort.name() : backend.name();
    }

    /** For tests: lets the next CPU backend opened with --precision speak again. */
    static void resetPrecisionNotice() {
        PRECISION_NOTICE_GIVEN.set(false);
    }
}
