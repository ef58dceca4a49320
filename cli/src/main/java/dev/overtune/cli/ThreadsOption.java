package dev.overtune.cli;

import picocli.CommandLine.Option;

/** {@code --threads}: how many threads the backend and the probes use; every core unless given. */
final class ThreadsOption {
    @Option(names = "--threads", description = "Threads (default: all cores).")
    Integer threads;

    /** The threads given, refused unless positive, or every core. */
    int resolve() {
        if (threads == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        Options.requirePositive("--threads", threads);
        return threads;
    }
}
