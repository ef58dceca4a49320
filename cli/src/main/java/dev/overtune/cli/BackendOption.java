package dev.overtune.cli;

import dev.overtune.backend.Backend;
import dev.overtune.backend.BackendException;
import dev.overtune.backend.OrtBackend;
import dev.overtune.cuda.Backends;
import picocli.CommandLine.Option;

/** The {@code --backend} flag of the commands that run graphs: where the math runs. */
final class BackendOption {
    enum Choice { cpu, cuda, auto }

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "cpu|cuda|auto",
            description = "Where the math runs: cpu (ONNX Runtime, the default), cuda (the GPU, or an error saying why not) "
                    + "or auto (the GPU where usable, else the CPU, saying why once) (default: ${DEFAULT-VALUE}).")
    Choice choice = Choice.cpu;

    /**
     * The chosen backend, to be opened before anything is written, so that a GPU that cannot be had
     * leaves no output behind. {@code cpuThreads} applies when the CPU is taken.
     */
    Backend open(int cpuThreads) {
        try {
            return Backends.select(choice.name(), cpuThreads, message -> System.err.println("overtune: " + message));
        } catch (BackendException e) {
            throw new BackendUnavailableException(e.getMessage());
        }
    }

    /** Checks that the chosen backend can be had here, for commands that hand the choice on to others. */
    void requireAvailable(int cpuThreads) {
        open(cpuThreads).close();
    }

    /** "2 threads on onnxruntime-cpu", or the backend's name where threads do not apply. */
    static String describe(Backend backend) {
        return backend instanceof OrtBackend ort ? ort.threads() + " threads on " + ort.name() : backend.name();
    }
}
