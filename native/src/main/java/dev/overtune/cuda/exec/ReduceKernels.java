package dev.overtune.cuda.exec;

import dev.overtune.graph.Node;
import dev.overtune.tensor.DType;

import java.util.ArrayList;
import java.util.List;

/**
 * ReduceSum, ReduceMean and ReduceMax in one of three shapes, each with a fixed summation order:
 * <ul>
 * <li>reduced elements contiguous in memory (the last axes): one thread block per output
 * element, the block's tree reduction;
 * <li>strided and many (bias gradients: the batch axes of [8, 1024, 768]): two launches, partial
 * results over fixed chunks of the reduced range into scratch, then each output combines its
 * chunks in chunk order;
 * <li>otherwise: one thread per output element looping over its elements.
 * </ul>
 */
final class ReduceKernels {
    private ReduceKernels() {}

    enum Kind { SUM, MEAN, MAX }

    /** Rows at least this long get a block each; shorter ones would leave most of the block idle. */
    static final long BLOCK_ROW_MIN = 32;
    /** Strided reductions longer than this are split into chunks. */
    static final long CHUNKED_MIN = 256;

    private record Layout(int[] dims, long[] strides, boolean[] reduced, List<Integer> kept, int[] axes, long count, long outputs) {}

    static NodeLowering lower(Node node, String function, int[] axes, Kind kind) {
        int[] d = node.input(0).shape().dims();
        boolean[] reduced = new boolean[d.length];
        long count = 1;
        int first = d.length;
        for (int a : axes) {
            reduced[a] = true;
            count *= d[a];
            first = Math.min(first, a);
        }
        List<Integer> kept = new ArrayList<>();
        boolean contiguous = true;
        for (int a = 0; a < d.length; a++) {
            if (!reduced[a]) {
                kept.add(a);
                contiguous &= a < first || d[a] == 1;
            }
        }
        Layout layout = new Layout(d, NodeKernel.strides(d), reduced, kept, axes, count, node.output().shape().size());
        if (contiguous && count >= BLOCK_ROW_MIN) {
            return blockPerRow(node, function, layout, kind);
        }
        if (!contiguous && count > CHUNKED_MIN) {
            return chunked(node, function, layout, kind);
        }
        return threadPerOutput(node, function, layout, kind);
    }

    private static String type(Node node) {
        return CType.of(node.output().dtype());
    }

    private static String finish(Node node, Kind kind, String acc) {
        return kind == Kind.MEAN ? acc + " / (" + type(node) + ")" + "count" : acc;
    }

    private static String combine(Kind kind) {
        return kind == Kind.MAX ? "if (v > acc) acc = v;" : "acc = acc + v;";
    }

    /** Declares base: the offset of output element i's first input element. */
    private static void base(KernelWriter w, Layout l, String index) {
        w.line("long q = " + index + ";");
        w.line("long base = 0;");
        for (int j = l.kept().size() - 1; j >= 0; j--) {
            int a = l.kept().get(j);
            w.line("base += (q % " + l.dims()[a] + "L) * " + l.strides()[a] + "L; q /= " + l.dims()[a] + "L;");
        }
    }

    /** Declares off: the offset of reduced element r (a variable in scope) relative to base. */
    private static void offset(KernelWriter w, Layout l, String indent) {
        w.line(indent + "long p = r;");
        w.line(indent + "long off = base;");
        for (int j = l.axes().length - 1; j >= 0; j--) {
            int a = l.axes()[j];
            w.line(indent + "off += (p % " + l.dims()[a] + "L) * " + l.strides()[a] + "L; p /= " + l.dims()[a] + "L;");
        }
    }

    private static KernelWriter params(KernelWriter w, Node node) {
        return w.param(type(node), "out", new KernelArg.Output(), false).param(CType.of(node.input(0).dtype()), "in0", new KernelArg.Input(0), true);
    }

    private static NodeLowering blockPerRow(Node node, String function, Layout l, Kind kind) {
        String t = type(node);
        KernelWriter w = params(KernelWriter.perBlock(function, t), node);
        w.line("const long count = " + l.count() + "L;");
        w.line("const long base = i * count;");
        String reduce = kind == Kind.MAX ? "ot_block_max" : "ot_block_sum";
        w.line("const " + t + " acc = " + reduce + "(b, shared, count, [&](long j) { return in0[base + j]; });");
        w.line("b.lanes([&](int t) { if (t == 0) out[i] = " + finish(node, kind, "acc") + "; });");
        long bytes = NodeKernel.bytes(node.input(0)) + NodeKernel.bytes(node.output());
        KernelCost cost = new KernelCost(l.outputs() * Grid.LANES, (l.count() + Grid.LANES - 1) / Grid.LANES, bytes, NodeKernel.footprint(node));
        return NodeLowering.of(w.build(NodeKernel.comment(node), l.outputs(), cost));
    }

    private static NodeLowering threadPerOutput(Node node, String function, Layout l, Kind kind) {
        String t = type(node);
        KernelWriter w = params(KernelWriter.perThread(function), node);
        base(w, l, "i");
        w.line("const long count = " + l.count() + "L;");
        w.line(t + " acc = " + (kind == Kind.MAX ? "in0[base]" : CType.literal(0, node.output().dtype())) + ";");
        w.line("for (long r = " + (kind == Kind.MAX ? 1 : 0) + "; r < count; r++) {");
        offset(w, l, "    ");
        w.line("    const " + t + " v = in0[off];");
        w.line("    " + combine(kind));
        w.line("}");
        w.line("out[i] = " + finish(node, kind, "acc") + ";");
        long bytes = NodeKernel.bytes(node.input(0)) + NodeKernel.bytes(node.output());
        return NodeLowering.of(w.build(NodeKernel.comment(node), l.outputs(), new KernelCost(l.outputs(), l.count(), bytes, NodeKernel.footprint(node))));
    }

    /** Chunk length for a strided reduction of {@code count}: about √count, so both launches loop about as long. */
    static long chunkLength(long count) {
        return Math.max(BLOCK_ROW_MIN, (long) Math.ceil(Math.sqrt((double) count)));
    }

    private static NodeLowering chunked(Node node, String function, Layout l, Kind kind) {
        DType dtype = node.output().dtype();
        String t = type(node);
        long length = chunkLength(l.count());
        long chunks = (l.count() + length - 1) / length;
        long outputs = l.outputs();
        long partialBytes = chunks * outputs * dtype.byteSize();

        // Partial results laid out [chunk][output], so both launches read and write consecutive outputs side by side.
        KernelWriter partial = KernelWriter.perThread(function + "_partial")
                .param(t, "partial", new KernelArg.Scratch(0), false)
                .param(CType.of(node.input(0).dtype()), "in0", new KernelArg.Input(0), true);
        partial.line("const long outputs = " + outputs + "L;");
        partial.line("const long first = (i / outputs) * " + length + "L;");
        partial.line("const long last = first + " + length + "L < " + l.count() + "L ? first + " + length + "L : " + l.count() + "L;");
        base(partial, l, "i % outputs");
        // A maximum may start from any element of its set: the output's first one serves every chunk.
        partial.line(t + " acc = " + (kind == Kind.MAX ? "in0[base]" : CType.literal(0, dtype)) + ";");
        partial.line("for (long r = first; r < last; r++) {");
        offset(partial, l, "    ");
        partial.line("    const " + t + " v = in0[off];");
        partial.line("    " + combine(kind));
        partial.line("}");
        partial.line("partial[i] = acc;");
        KernelCost partialCost = new KernelCost(chunks * outputs, length, NodeKernel.bytes(node.input(0)) + partialBytes,
                NodeKernel.bytes(node.input(0)) + partialBytes);

        KernelWriter total = KernelWriter.perThread(function)
                .param(t, "out", new KernelArg.Output(), false)
                .param(t, "partial", new KernelArg.Scratch(0), true);
        total.line("const long outputs = " + outputs + "L;");
        if (kind == Kind.MEAN) {
            total.line("const long count = " + l.count() + "L;");
        }
        total.line(t + " acc = partial[i];");
        total.line("for (long c = 1; c < " + chunks + "L; c++) {");
        total.line("    const " + t + " v = partial[c * outputs + i];");
        total.line("    " + combine(kind));
        total.line("}");
        total.line("out[i] = " + finish(node, kind, "acc") + ";");
        KernelCost totalCost = new KernelCost(outputs, chunks, partialBytes + NodeKernel.bytes(node.output()),
                partialBytes + NodeKernel.bytes(node.output()));

        String comment = NodeKernel.comment(node);
        return new NodeLowering(List.of(partial.build(comment + " (partial results of " + chunks + " chunks of " + length + ")", chunks * outputs,
                partialCost), total.build(comment, outputs, totalCost)), List.of(partialBytes));
    }
}
