package dev.overtune.cuda.exec;

/**
 * Where the slots of one binding are: the bound inputs' addresses, and the bases of the constants
 * and intermediates blocks. Device pointers for CudaProgram, host addresses for the host tests.
 */
record SlotAddresses(long[] inputs, long constants, long block) {
    long of(Slot slot) {
        return switch (slot) {
            case Slot.Input in -> inputs[in.index()];
            case Slot.Constant c -> constants + c.offset();
            case Slot.Block b -> block + b.offset();
        };
    }
}
