package dev.overtune.cuda.exec;

import java.util.List;

/**
 * One launch's worth of generated CUDA C: {@code function + "_kernel"} for the device and
 * {@code function + "_host"} for the host tests, both taking (long items, pointers in the order of
 * {@code args}).
 */
record GeneratedKernel(String function, String source, long items, Grid grid, List<KernelArg> args, KernelCost cost) {
    GeneratedKernel {
        args = List.copyOf(args);
    }
}
