package dev.overtune.cuda.exec;

/**
 * What one generated launch costs, as the lowering estimates it from shapes: threads launched,
 * the longest chain of loop iterations over device memory one thread runs ({@code trips}), the
 * bytes of device memory read plus written ({@code bytes}, each pass over a buffer counted), and
 * the bytes of the buffers it touches ({@code footprint}: inputs, output, scratch). Data-dependent
 * loops (ScatterAddRows' per-row sums) count indices spread evenly over the rows.
 */
public record KernelCost(long threads, long trips, long bytes, long footprint) {
    public KernelCost {
        if (threads < 0 || trips < 0 || bytes < 0 || footprint < 0) {
            throw new IllegalArgumentException("kernel cost of " + threads + " threads, " + trips + " trips, " + bytes + " bytes over "
                    + footprint);
        }
    }

    /** Passes over the touched bytes: how many times, on average, each is read or written. */
    public double passes() {
        return footprint == 0 ? 0 : (double) bytes / footprint;
    }
}
