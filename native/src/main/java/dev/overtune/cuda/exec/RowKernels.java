package dev.overtune.cuda.exec;

import dev.overtune.graph.Node;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

/**
 * Softmax, LogSoftmax, LayerNorm and SoftmaxCrossEntropy: one thread block per row, the row's
 * maximum and sums reduced across the block in a fixed tree order (so results do not depend on
 * timing, and the host loop over the same lanes reproduces them).
 */
final class RowKernels {
    private RowKernels() {}

    private static KernelWriter writer(Node node, String function) {
        String t = CType.of(node.output().dtype());
        KernelWriter w = KernelWriter.perBlock(function, t);
        w.param(t, "out", new KernelArg.Output(), false);
        for (int j = 0; j < node.inputs().size(); j++) {
            w.param(CType.of(node.input(j).dtype()), "in" + j, new KernelArg.Input(j), true);
        }
        return w;
    }

    /** Per-thread trips of {@code passes} strided passes over a row of {@code length}. */
    private static long trips(long length, int passes) {
        return passes * ((length + Grid.LANES - 1) / Grid.LANES);
    }

    static NodeLowering softmax(Node node, String function, int axis, boolean log) {
        DType type = node.output().dtype();
        String t = CType.of(type);
        Shape in = node.input(0).shape();
        long length = in.dim(axis);
        long inner = 1;
        for (int a = axis + 1; a < in.rank(); a++) {
            inner *= in.dim(a);
        }
        long rows = in.size() / length;
        KernelWriter w = writer(node, function);
        w.line("const long len = " + length + "L;");
        w.line("const long inner = " + inner + "L;");
        w.line("const long base = (i / inner) * len * inner + i % inner;");
        w.line("const " + t + " m = ot_block_max(b, shared, len, [&](long j) { return in0[base + j * inner]; });");
        w.line("const " + t + " sum = ot_block_sum(b, shared, len, [&](long j) { return " + CType.math("exp", type) + "(in0[base + j * inner] - m); });");
        if (log) {
            w.line("const " + t + " log_sum = " + CType.math("log", type) + "(sum);");
            w.line("b.lanes([&](int t) { for (long j = t; j < len; j += OT_LANES) out[base + j * inner] = (in0[base + j * inner] - m) - log_sum; });");
        } else {
            w.line("b.lanes([&](int t) { for (long j = t; j < len; j += OT_LANES) out[base + j * inner] = "
                    + CType.math("exp", type) + "(in0[base + j * inner] - m) / sum; });");
        }
        long bytes = 3 * NodeKernel.bytes(node.input(0)) + NodeKernel.bytes(node.output());
        KernelCost cost = new KernelCost(rows * Grid.LANES, trips(length, 3), bytes, NodeKernel.footprint(node));
        return NodeLowering.of(w.build(NodeKernel.comment(node), rows, cost));
    }

    static NodeLowering layerNorm(Node node, String function, double epsilon) {
        DType type = node.output().dtype();
        String t = CType.of(type);
        long width = node.input(0).shape().dim(-1);
        long rows = node.input(0).shape().size() / width;
        KernelWriter w = writer(node, function);
        w.line("const long width = " + width + "L;");
        w.line("const long base = i * width;");
        w.line("const " + t + " mean = ot_block_sum(b, shared, width, [&](long j) { return in0[base + j]; }) / (" + t + ")width;");
        w.line("const " + t + " var = ot_block_sum(b, shared, width, [&](long j) { const " + t + " d = in0[base + j] - mean; return d * d; }) / ("
                + t + ")width;");
        // The epsilon is a float attribute in ONNX: round it as ONNX Runtime sees it.
        w.line("const " + t + " inv = " + CType.literal(1, type) + " / " + CType.math("sqrt", type) + "(var + "
                + CType.literal((float) epsilon, type) + ");");
        w.line("b.lanes([&](int t) { for (long j = t; j < width; j += OT_LANES) out[base + j] = (in0[base + j] - mean) * inv * in1[j] + in2[j]; });");
        long bytes = 3 * NodeKernel.bytes(node.input(0)) + NodeKernel.bytes(node.output()) + NodeKernel.bytes(node.input(1)) + NodeKernel.bytes(node.input(2));
        KernelCost cost = new KernelCost(rows * Grid.LANES, trips(width, 3), bytes, NodeKernel.footprint(node));
        return NodeLowering.of(w.build(NodeKernel.comment(node), rows, cost));
    }

    static NodeLowering crossEntropy(Node node, String function, long ignoreIndex) {
        DType type = node.output().dtype();
        String t = CType.of(type);
        long classes = node.input(0).shape().dim(1);
        long rows = node.input(0).shape().dim(0);
        KernelWriter w = writer(node, function);
        w.line("const long classes = " + classes + "L;");
        // The target is the same for the whole block, so every lane leaves at the same point.
        w.line("const long long target = in1[i];");
        w.line("if (target == " + ignoreIndex + "LL) { b.lanes([&](int t) { if (t == 0) out[i] = " + CType.literal(0, type) + "; }); return; }");
        w.line("const long base = i * classes;");
        w.line("const " + t + " m = ot_block_max(b, shared, classes, [&](long j) { return in0[base + j]; });");
        w.line("const " + t + " sum = ot_block_sum(b, shared, classes, [&](long j) { return " + CType.math("exp", type) + "(in0[base + j] - m); });");
        // An out-of-range target is a data error: NaN makes it visible in the loss instead of reading out of bounds.
        w.line("b.lanes([&](int t) {");
        w.line("    if (t != 0) return;");
        w.line("    if (target < 0 || target >= classes) { out[i] = " + CType.math("sqrt", type) + "(" + CType.literal(-1, type) + "); return; }");
        w.line("    out[i] = -((in0[base + target] - m) - " + CType.math("log", type) + "(sum));");
        w.line("});");
        long bytes = 2 * NodeKernel.bytes(node.input(0)) + NodeKernel.bytes(node.input(1)) + NodeKernel.bytes(node.output());
        KernelCost cost = new KernelCost(rows * Grid.LANES, trips(classes, 2), bytes, NodeKernel.footprint(node));
        return NodeLowering.of(w.build(NodeKernel.comment(node), rows, cost));
    }
}
