package dev.overtune.cuda.exec;

/**
 * What one generated launch costs, as the lowering estimates it from shapes: threads launched,
 * the longest chain of loop iterations over device memory one thread runs ({@code trips}), and
 * the bytes of device memory read plus written ({@code bytes}, each pass over a buffer counted).
 * Data-dependent loops (ScatterAddRows' per-row sums) count indices spread evenly over the rows.
 */
public record KernelCost(long threads, long trips, long bytes) {
    public KernelCost {
        if (threads < 0 || trips < 0 || bytes < 0) {
            throw new IllegalArgumentException("kernel cost of " + threads + " threads, " + trips + " trips, " + bytes + " bytes");
        }
    }
}
