package dev.overtune.cuda.exec;

import dev.overtune.graph.Node;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A plan's estimated cost in text: GEMM FLOPs and bytes, the generated launches by kind (op, grid
 * and part) with the bytes they move and their longest per-thread loops, and the heaviest launches.
 * Estimates from shapes only (see {@link KernelCost}); nothing is run.
 */
final class CostReport {
    private CostReport() {}

    /** FLOPs of one GEMM call: 2·m·n·k per batch entry. */
    static long flops(GemmCall c) {
        return 2L * c.m() * c.n() * c.k() * c.batch();
    }

    /** Bytes a GEMM call reads and writes once each (operands at its precision, FP32 output). */
    static long bytes(Step.Gemm g) {
        GemmCall c = g.call();
        long operands = (long) g.precision().inputBytes() * ((long) c.m() * c.k() + (long) c.k() * c.n());
        return c.batch() * (operands + 4L * c.m() * c.n());
    }

    /** The kind of a launch: its node's op, its part where a node has several, and its grid. */
    static String kind(ExecutionPlan plan, Step.Kernel k) {
        Node node = nodes(plan).get(k.node());
        String op = node == null ? "?" : node.op().getClass().getSimpleName();
        String function = k.function();
        int part = function.indexOf('_', "node_".length());
        String suffix = function.startsWith("node_") && part > 0 ? " " + function.substring(part + 1) : "";
        return op + suffix + (k.grid() == Grid.BLOCK_PER_ITEM ? " (block per item)" : "");
    }

    private static Map<String, Node> nodes(ExecutionPlan plan) {
        Map<String, Node> byName = new HashMap<>();
        for (Node n : plan.graph().nodes()) {
            byName.put(n.name(), n);
        }
        return byName;
    }

    private record Group(int launches, long bytes, long maxTrips, double maxPasses) {
        Group plus(KernelCost c) {
            return new Group(launches + 1, bytes + c.bytes(), Math.max(maxTrips, c.trips()), Math.max(maxPasses, c.passes()));
        }
    }

    static String of(ExecutionPlan plan, int heaviest) {
        StringBuilder sb = new StringBuilder(plan.describe()).append('\n');
        List<Step.Gemm> gemms = plan.steps().stream().filter(s -> s instanceof Step.Gemm).map(s -> (Step.Gemm) s).toList();
        long gemmFlops = gemms.stream().mapToLong(g -> flops(g.call())).sum();
        long gemmBytes = gemms.stream().mapToLong(CostReport::bytes).sum();
        sb.append(String.format("GEMMs: %d calls, %.4g FLOPs, %s read and written%n", gemms.size(), (double) gemmFlops, size(gemmBytes)));

        List<Step.Kernel> kernels = plan.steps().stream().filter(s -> s instanceof Step.Kernel).map(s -> (Step.Kernel) s).toList();
        Map<String, Group> groups = new TreeMap<>();
        for (Step.Kernel k : kernels) {
            groups.merge(kind(plan, k), new Group(0, 0, 0, 0).plus(k.cost()), (a, b) -> new Group(a.launches() + b.launches(),
                    a.bytes() + b.bytes(), Math.max(a.maxTrips(), b.maxTrips()), Math.max(a.maxPasses(), b.maxPasses())));
        }
        long kernelBytes = kernels.stream().mapToLong(k -> k.cost().bytes()).sum();
        sb.append(String.format("generated kernels: %d launches, %s read and written%n", kernels.size(), size(kernelBytes)));
        sb.append(String.format("  %-44s %8s %12s %10s %7s%n", "kind", "launches", "bytes", "max trips", "passes"));
        groups.forEach((kind, g) -> sb.append(String.format("  %-44s %8d %12s %10d %7.2f%n", kind, g.launches(), size(g.bytes()), g.maxTrips(),
                g.maxPasses())));
        sb.append(String.format("heaviest %d launches by bytes:%n", heaviest));
        kernels.stream().sorted(Comparator.comparingLong((Step.Kernel k) -> k.cost().bytes()).reversed()).limit(heaviest)
                .forEach(k -> sb.append(String.format("  %-28s %-44s %12s %12d threads %8d trips%n", k.function(), kind(plan, k),
                        size(k.cost().bytes()), k.cost().threads(), k.cost().trips())));
        return sb.toString();
    }

    private static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format("%.2f GiB", bytes / (double) (1L << 30)) : String.format("%.2f MiB", bytes / (double) (1L << 20));
    }
}
