package dev.overtune.bench;

import dev.overtune.graph.Graph;
import dev.overtune.graph.Node;
import dev.overtune.graph.Op;

/** Floating-point operation counts read off an IR graph. */
public final class GraphFlops {
    private GraphFlops() {}

    /**
     * 2·M·N·K·batch summed over every MatMul node: the output's element count is batch·M·N, and K is
     * the first input's last axis. Every other op is ignored.
     */
    public static long matmul(Graph graph) {
        long flops = 0;
        for (Node n : graph.nodes()) {
            if (n.op() instanceof Op.MatMul) {
                flops += 2 * n.output().shape().size() * n.input(0).shape().dim(-1);
            }
        }
        return flops;
    }
}
