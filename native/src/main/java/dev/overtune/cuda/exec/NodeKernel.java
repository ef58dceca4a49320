package dev.overtune.cuda.exec;

import dev.overtune.graph.Node;
import dev.overtune.graph.Op;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

/**
 * The CUDA C of one IR node that is not MatMul or Reshape. Elementwise and indexing ops are one
 * thread per output element, written here; the row ops ({@link RowKernels}), reductions
 * ({@link ReduceKernels}) and ScatterAddRows ({@link ScatterKernels}) have kernels of their own.
 */
final class NodeKernel {
    private final Node node;
    private final KernelWriter writer;

    private NodeKernel(Node node, String function) {
        this.node = node;
        this.writer = KernelWriter.perThread(function);
    }

    /** The launches of a node, in order, named {@code function} (and {@code function_<part>} where there are several). */
    static NodeLowering lower(Node node, String function) {
        return switch (node.op()) {
            case Op.Softmax o -> RowKernels.softmax(node, function, o.axis(), false);
            case Op.LogSoftmax o -> RowKernels.softmax(node, function, o.axis(), true);
            case Op.LayerNorm o -> RowKernels.layerNorm(node, function, o.epsilon());
            case Op.SoftmaxCrossEntropy o -> RowKernels.crossEntropy(node, function, o.ignoreIndex());
            case Op.ReduceSum o -> ReduceKernels.lower(node, function, o.axes(), ReduceKernels.Kind.SUM);
            case Op.ReduceMean o -> ReduceKernels.lower(node, function, o.axes(), ReduceKernels.Kind.MEAN);
            case Op.ReduceMax o -> ReduceKernels.lower(node, function, o.axes(), ReduceKernels.Kind.MAX);
            case Op.ScatterAddRows o -> ScatterKernels.lower(node, function, o.rows());
            default -> {
                NodeKernel k = new NodeKernel(node, function);
                k.writer.param(CType.of(node.output().dtype()), "out", new KernelArg.Output(), false);
                for (int j = 0; j < node.inputs().size(); j++) {
                    k.writer.param(CType.of(node.input(j).dtype()), "in" + j, new KernelArg.Input(j), true);
                }
                k.writeBody();
                long size = node.output().shape().size();
                yield NodeLowering.of(k.writer.build(comment(node), size, new KernelCost(size, 1, k.bytesMoved(), footprint(node))));
            }
        };
    }

    /** The comment heading a node's kernels in the source: its name, op and result. */
    static String comment(Node node) {
        return node.name() + ": " + node.op() + " -> " + node.output().dtype() + node.output().shape();
    }

    static long bytes(Value v) {
        return v.shape().size() * v.dtype().byteSize();
    }

    /** The bytes of a node's inputs and output. */
    static long footprint(Node node) {
        return bytes(node.output()) + node.inputs().stream().mapToLong(NodeKernel::bytes).sum();
    }

    /** Every input read once and the output written, except where an op reads as much as it writes. */
    private long bytesMoved() {
        long out = bytes(node.output());
        return switch (node.op()) {
            case Op.Gather o -> out * 2 + bytes(node.input(1));
            case Op.Slice o -> out * 2;
            case Op.Pad o -> out * 2;
            default -> out + node.inputs().stream().mapToLong(NodeKernel::bytes).sum();
        };
    }

    private void line(String s) {
        writer.line(s);
    }

    private DType outType() {
        return node.output().dtype();
    }

    private String t() {
        return CType.of(outType());
    }

    private String lit(double v) {
        return CType.literal(v, outType());
    }

    private String fn(String name) {
        return CType.math(name, outType());
    }

    private void writeBody() {
        switch (node.op()) {
            case Op.Add o -> binary("a + b");
            case Op.Sub o -> binary("a - b");
            case Op.Mul o -> binary("a * b");
            case Op.Div o -> binary("a / b");
            case Op.Neg o -> unary("-a");
            case Op.Exp o -> unary(fn("exp") + "(a)");
            case Op.Log o -> unary(fn("log") + "(a)");
            case Op.Sqrt o -> unary(fn("sqrt") + "(a)");
            case Op.Tanh o -> unary(fn("tanh") + "(a)");
            case Op.Erf o -> unary(fn("erf") + "(a)");
            case Op.Gelu o -> gelu(o.tanhApproximation());
            case Op.Where o -> {
                loadBroadcast();
                line("out[i] = in0[o0] ? in1[o1] : in2[o2];");
            }
            case Op.Equal o -> {
                loadBroadcast();
                line("out[i] = in0[o0] == in1[o1] ? 1 : 0;");
            }
            case Op.Cast o -> line("out[i] = " + (o.to() == DType.BOOL ? "in0[i] != 0 ? 1 : 0" : "(" + t() + ")in0[i]") + ";");
            case Op.Gather o -> gather();
            case Op.AddAtTargets o -> addAtTargets(o.ignoreIndex());
            case Op.OneHot o -> {
                line("const long depth = " + o.depth() + "L;");
                line("out[i] = in0[i / depth] == (long long)(i % depth) ? " + lit(1) + " : " + lit(0) + ";");
            }
            case Op.Transpose o -> transpose(o.perm());
            case Op.Slice o -> slice(o.axis(), o.start());
            case Op.Pad o -> pad(o.axis(), o.before());
            case Op.Concat o -> concat(o.axis());
            case Op.Expand o -> {
                loadBroadcast();
                line("out[i] = in0[o0];");
            }
            case Op.Zeros o -> line("out[i] = " + lit(0) + ";");
            case Op.MatMul o -> throw new IllegalArgumentException("MatMul is a GEMM call, not a generated kernel: " + node);
            case Op.Reshape o -> throw new IllegalArgumentException("Reshape aliases its input, it has no kernel: " + node);
            case Op.ReduceSum _, Op.ReduceMean _, Op.ReduceMax _, Op.Softmax _, Op.LogSoftmax _, Op.LayerNorm _, Op.SoftmaxCrossEntropy _,
                 Op.ScatterAddRows _ -> throw new IllegalStateException("node " + node.name() + " has kernels of its own, see lower(): " + node);
        }
    }

    // ---- index arithmetic ---------------------------------------------------------------------

    /** Declares c0..c(r-1), the coordinates of output element i (row-major). */
    private void outputCoordinates() {
        int[] d = node.output().shape().dims();
        if (d.length == 0) {
            return;
        }
        line("long q = i;");
        for (int a = d.length - 1; a > 0; a--) {
            line("const long c" + a + " = q % " + d[a] + "L; q /= " + d[a] + "L;");
        }
        line("const long c0 = q;");
    }

    /** Row-major element strides of a shape. */
    static long[] strides(int[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int a = dims.length - 1; a >= 0; a--) {
            s[a] = acc;
            acc *= dims[a];
        }
        return s;
    }

    /**
     * Strides of an input broadcast (numpy rules, aligned on the right) to the output's rank: size-1
     * and missing axes get stride 0.
     */
    static long[] broadcastStrides(Shape in, Shape out) {
        int r = out.rank();
        long[] own = strides(in.dims());
        long[] s = new long[r];
        for (int a = 0; a < r; a++) {
            int ia = a - (r - in.rank());
            s[a] = ia < 0 || in.dim(ia) == 1 ? 0 : own[ia];
        }
        return s;
    }

    /** c0*s0 + c1*s1 + ... over the non-zero strides; "0" when all are zero. */
    private static String offset(long[] strides) {
        StringBuilder sb = new StringBuilder();
        for (int a = 0; a < strides.length; a++) {
            if (strides[a] != 0) {
                sb.append(sb.isEmpty() ? "" : " + ").append("c").append(a).append(strides[a] == 1 ? "" : " * " + strides[a] + "L");
            }
        }
        return sb.isEmpty() ? "0" : sb.toString();
    }

    /** Declares o0..o(n-1): each input's element for output element i under broadcasting. */
    private void loadBroadcast() {
        Shape out = node.output().shape();
        boolean anyBroadcast = node.inputs().stream().anyMatch(v -> !v.shape().equals(out));
        if (anyBroadcast) {
            outputCoordinates();
        }
        for (int j = 0; j < node.inputs().size(); j++) {
            Shape in = node.input(j).shape();
            line("const long o" + j + " = " + (in.equals(out) ? "i" : offset(broadcastStrides(in, out))) + ";");
        }
    }

    // ---- elementwise --------------------------------------------------------------------------

    private void unary(String expression) {
        line("const " + t() + " a = in0[i];");
        line("out[i] = " + expression + ";");
    }

    private void binary(String expression) {
        loadBroadcast();
        line("const " + t() + " a = in0[o0];");
        line("const " + t() + " b = in1[o1];");
        line("out[i] = " + expression + ";");
    }

    /** The same operations in the same order as the ONNX emitter's GELU subgraphs. */
    private void gelu(boolean tanh) {
        String t = t();
        line("const " + t + " x = in0[i];");
        if (tanh) {
            line("const " + t + " half_x = x * " + lit(0.5) + ";");
            line("const " + t + " k_x = x * " + lit(0.7978845834732056) + ";");
            line("const " + t + " c_x = x * " + lit(0.044715) + ";");
            line("const " + t + " c_xx = c_x * x;");
            line("const " + t + " inner = k_x * (c_xx + " + lit(1) + ");");
            line("out[i] = half_x * (" + fn("tanh") + "(inner) + " + lit(1) + ");");
        } else {
            line("const " + t + " e = " + fn("erf") + "(x / " + lit(Math.sqrt(2.0)) + ");");
            line("out[i] = (x * (e + " + lit(1) + ")) * " + lit(0.5) + ";");
        }
    }

    // ---- indexing -----------------------------------------------------------------------------

    private void gather() {
        Shape data = node.input(0).shape();
        long rest = data.size() / data.dim(0);
        line("const long rest = " + rest + "L;");
        line("long long row = in1[i / rest];");
        line("if (row < 0) row += " + data.dim(0) + "LL;");
        line("out[i] = in0[row * rest + i % rest];");
    }

    private void addAtTargets(long ignoreIndex) {
        long classes = node.input(0).shape().dim(1);
        line("const long classes = " + classes + "L;");
        line("const long row = i / classes;");
        line("const long long target = in1[row];");
        line(t() + " v = in0[i];");
        line("if (target != " + ignoreIndex + "LL && target == (long long)(i % classes)) v = v + in2[row];");
        line("out[i] = v;");
    }

    private void transpose(int[] perm) {
        long[] inStrides = strides(node.input(0).shape().dims());
        long[] s = new long[perm.length];
        for (int a = 0; a < perm.length; a++) {
            s[a] = inStrides[perm[a]];
        }
        outputCoordinates();
        line("out[i] = in0[" + offset(s) + "];");
    }

    private void slice(int axis, int start) {
        long[] s = strides(node.input(0).shape().dims());
        outputCoordinates();
        line("out[i] = in0[" + offset(s) + " + " + (start * s[axis]) + "L];");
    }

    private void pad(int axis, int before) {
        Shape in = node.input(0).shape();
        long[] s = strides(in.dims());
        outputCoordinates();
        line("const long p = c" + axis + " - " + before + "L;");
        line("if (p < 0 || p >= " + in.dim(axis) + "L) { out[i] = " + lit(0) + "; return; }");
        line("out[i] = in0[" + offset(s) + " - " + ((long) before * s[axis]) + "L];");
    }

    private void concat(int axis) {
        outputCoordinates();
        long start = 0;
        for (int j = 0; j < node.inputs().size(); j++) {
            Shape part = node.input(j).shape();
            long[] s = strides(part.dims());
            long end = start + part.dim(axis);
            line("if (c" + axis + " < " + end + "L) { out[i] = in" + j + "[" + offset(s) + " - " + (start * s[axis]) + "L]; return; }");
            start = end;
        }
    }
}
