package dev.overtune.cuda.exec;

import java.util.List;

/**
 * What one IR node becomes: its launches in order, and the bytes of each scratch buffer they share
 * (live from the node's first launch to its last, placed by the memory plan like any value).
 */
record NodeLowering(List<GeneratedKernel> kernels, List<Long> scratchBytes) {
    NodeLowering {
        kernels = List.copyOf(kernels);
        scratchBytes = List.copyOf(scratchBytes);
    }

    static NodeLowering of(GeneratedKernel kernel) {
        return new NodeLowering(List.of(kernel), List.of());
    }
}
