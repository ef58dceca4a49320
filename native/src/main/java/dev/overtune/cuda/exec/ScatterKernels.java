package dev.overtune.cuda.exec;

import dev.overtune.graph.Node;

import java.util.List;

/**
 * ScatterAddRows (the embedding gradient: out[rows, rest], update m added to row indices[m]) in two
 * launches, deterministic and linear in the indices and rows:
 * <ol>
 * <li>one block sorts the update positions by row, stably (a counting sort: histogram, exclusive
 * scan, then the positions placed tile by tile, each one's rank among equal rows of its tile found
 * by comparison), into int scratch [starts: rows + 1][next: rows][order: count];
 * <li>one thread per output element adds the updates of its row in position order, starting from 0.
 * </ol>
 * Negative indices count from the end; indices still outside [0, rows) are dropped.
 */
final class ScatterKernels {
    private ScatterKernels() {}

    static NodeLowering lower(Node node, String function, int rows) {
        long count = node.input(0).shape().size();
        long rest = node.output().shape().size() / rows;
        if (count > Integer.MAX_VALUE || (long) rows * 2 + 1 + count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ScatterAddRows " + node.name() + ": " + count + " updates into " + rows
                    + " rows exceed the int positions its sort uses; split the batch");
        }
        long scratchInts = 2L * rows + 1 + count;
        String comment = NodeKernel.comment(node);
        return new NodeLowering(List.of(sort(function + "_sort", rows, count, comment), sum(node, function, rows, count, rest, comment)),
                List.of(scratchInts * Integer.BYTES));
    }

    private static GeneratedKernel sort(String function, int rows, long count, String comment) {
        KernelWriter w = KernelWriter.perBlock(function, "int")
                .param("int", "scratch", new KernelArg.Scratch(0), false)
                .param("long long", "in0", new KernelArg.Input(0), true);
        long chunk = (rows + 1L + Grid.LANES - 1) / Grid.LANES;
        w.line("const long rows = " + rows + "L;");
        w.line("const long count = " + count + "L;");
        w.line("const long chunk = " + chunk + "L;");
        w.line("int* starts = scratch;");
        w.line("int* next = scratch + rows + 1;");
        w.line("int* order = next + rows;");
        w.line("auto row_of = [&](long m) -> int { long long k = in0[m]; if (k < 0) k += rows; return k >= 0 && k < rows ? (int)k : -1; };");
        w.line("b.lanes([&](int t) { for (long r = t; r <= rows; r += OT_LANES) starts[r] = 0; });");
        w.line("b.sync();");
        w.line("b.lanes([&](int t) { for (long m = t; m < count; m += OT_LANES) { const int k = row_of(m); if (k >= 0) ot_atomic_add(&starts[k], 1); } });");
        w.line("b.sync();");
        // Exclusive scan of the rows + 1 counts: lane totals over contiguous chunks, their prefix by lane 0, then each chunk.
        w.line("b.lanes([&](int t) {");
        w.line("    int s = 0;");
        w.line("    for (long r = t * chunk; r < (t + 1) * chunk && r <= rows; r++) s += starts[r];");
        w.line("    shared[t] = s;");
        w.line("});");
        w.line("b.sync();");
        w.line("b.lanes([&](int t) { if (t != 0) return; int run = 0; for (int u = 0; u < OT_LANES; u++) { const int c = shared[u]; shared[u] = run; run += c; } });");
        w.line("b.sync();");
        w.line("b.lanes([&](int t) {");
        w.line("    int run = shared[t];");
        w.line("    for (long r = t * chunk; r < (t + 1) * chunk && r <= rows; r++) {");
        w.line("        const int c = starts[r];");
        w.line("        starts[r] = run;");
        w.line("        if (r < rows) next[r] = run;");
        w.line("        run += c;");
        w.line("    }");
        w.line("});");
        w.line("b.sync();");
        // Tiles in position order keep the sort stable: within a tile, a position's rank is the number of
        // earlier positions with its row; the row's last position in the tile then moves next past them all.
        w.line("for (long tile = 0; tile < count; tile += OT_LANES) {");
        w.line("    b.lanes([&](int t) { shared[t] = tile + t < count ? row_of(tile + t) : -1; });");
        w.line("    b.sync();");
        w.line("    b.lanes([&](int t) {");
        w.line("        const int k = shared[t];");
        w.line("        if (k < 0) return;");
        w.line("        int rank = 0;");
        w.line("        for (int u = 0; u < t; u++) rank += shared[u] == k;");
        w.line("        order[next[k] + rank] = (int)(tile + t);");
        w.line("    });");
        w.line("    b.sync();");
        w.line("    b.lanes([&](int t) {");
        w.line("        const int k = shared[t];");
        w.line("        if (k < 0) return;");
        w.line("        for (int u = t + 1; u < OT_LANES; u++) if (shared[u] == k) return;");
        w.line("        int seen = 0;");
        w.line("        for (int u = 0; u <= t; u++) seen += shared[u] == k;");
        w.line("        next[k] += seen;");
        w.line("    });");
        w.line("    b.sync();");
        w.line("}");
        long tiles = (count + Grid.LANES - 1) / Grid.LANES;
        long trips = 3 * chunk + tiles * 2 + (count + Grid.LANES - 1) / Grid.LANES;
        long bytes = (rows + 1L) * 4 * 4 + rows * 4L * 2 + count * (8 * 2 + 4 * 3);
        return w.build(comment + " (stable sort of the update positions by row)", 1, new KernelCost(Grid.LANES, trips, bytes, count * 8 + (2L * rows + 1 + count) * 4));
    }

    private static GeneratedKernel sum(Node node, String function, int rows, long count, long rest, String comment) {
        String t = CType.of(node.output().dtype());
        KernelWriter w = KernelWriter.perThread(function)
                .param(t, "out", new KernelArg.Output(), false)
                .param("int", "scratch", new KernelArg.Scratch(0), true)
                .param(CType.of(node.input(1).dtype()), "in1", new KernelArg.Input(1), true);
        w.line("const long rest = " + rest + "L;");
        w.line("const long r = i / rest;");
        w.line("const long c = i % rest;");
        w.line("const int* starts = scratch;");
        w.line("const int* order = scratch + " + (2L * rows + 1) + "L;");
        w.line(t + " acc = " + CType.literal(0, node.output().dtype()) + ";");
        w.line("for (int p = starts[r]; p < starts[r + 1]; p++) acc = acc + in1[(long)order[p] * rest + c];");
        w.line("out[i] = acc;");
        long outputs = (long) rows * rest;
        long bytes = NodeKernel.bytes(node.output()) + NodeKernel.bytes(node.input(1)) + (rows + 1L + count) * 4;
        return w.build(comment, outputs, new KernelCost(outputs, (count + rows - 1) / rows, bytes,
                NodeKernel.bytes(node.output()) + NodeKernel.bytes(node.input(1)) + (2L * rows + 1 + count) * 4));
    }
}
