package dev.overtune.bench.cuda;

/**
 * A kernel that does nothing, as hand-written PTX: both bindings load the same text, so a launch
 * measures only the call path (Java → native → driver → GPU and back on synchronise).
 */
final class EmptyKernel {
    static final String NAME = "overtune_empty";

    /** PTX ISA 7.0 for sm_80: every CUDA 11+ driver reads it and JITs it for Ampere and later. */
    static final String PTX = """
            .version 7.0
            .target sm_80
            .address_size 64

            .visible .entry overtune_empty()
            {
            \tret;
            }
            """;

    private EmptyKernel() {}
}
