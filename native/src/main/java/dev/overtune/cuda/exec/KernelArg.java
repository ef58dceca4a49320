package dev.overtune.cuda.exec;

/** What a generated kernel's pointer parameter is bound to: the node's output, one of its inputs, or scratch of its own. */
sealed interface KernelArg {
    record Output() implements KernelArg {}

    record Input(int index) implements KernelArg {}

    /** Scratch buffer {@code index} of the node, live only across the node's own launches. */
    record Scratch(int index) implements KernelArg {}
}
