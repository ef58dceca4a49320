package dev.overtune.cuda.exec;

import dev.overtune.graph.DType;
import dev.overtune.graph.Node;
import dev.overtune.graph.Op;
import dev.overtune.graph.Shape;
import dev.overtune.graph.Value;

import java.util.ArrayList;
import java.util.List;

/**
 * The CUDA C of one IR node: a {@code __host__ __device__} function computing output element (or
 * row) i with every shape and stride baked in, a {@code __global__} wrapper taking i from the grid,
 * and an {@code extern "C"} host loop (compiled only outside NVRTC, for the host tests).
 *
 * <p>Softmax, LogSoftmax, LayerNorm, SoftmaxCrossEntropy and ScatterAddRows run one thread per row,
 * looping over it: correct and deterministic first; block-per-row reductions are a later speed-up.
 */
final class NodeKernel {
    private final Node node;
    private final String function;
    private final StringBuilder body = new StringBuilder();

    private NodeKernel(Node node, String function) {
        this.node = node;
        this.function = function;
    }

    /** Threads the node runs with: one per output element, or one per row for the row ops. */
    static long threads(Node node) {
        Shape out = node.output().shape();
        return switch (node.op()) {
            case Op.Softmax s -> out.size() / out.dim(s.axis());
            case Op.LogSoftmax s -> out.size() / out.dim(s.axis());
            case Op.LayerNorm l -> out.size() / out.dim(-1);
            case Op.SoftmaxCrossEntropy s -> out.size();
            case Op.ScatterAddRows s -> s.rows();
            default -> out.size();
        };
    }

    /** The source of the three functions for a node (not MatMul, not Reshape). */
    static String source(Node node, String function) {
        NodeKernel k = new NodeKernel(node, function);
        k.writeBody();
        return k.assemble();
    }

    private String assemble() {
        List<String> params = new ArrayList<>();
        List<String> names = new ArrayList<>();
        params.add(CType.of(node.output().dtype()) + "* __restrict__ out");
        names.add("out");
        for (int j = 0; j < node.inputs().size(); j++) {
            params.add("const " + CType.of(node.input(j).dtype()) + "* __restrict__ in" + j);
            names.add("in" + j);
        }
        String list = String.join(", ", params);
        String args = String.join(", ", names);
        return "// " + node.name() + ": " + node.op() + " -> " + node.output().dtype() + node.output().shape() + "\n"
                + "static __host__ __device__ inline void " + function + "(long i, " + list + ") {\n" + body + "}\n"
                + "extern \"C\" __global__ void " + function + "_kernel(long n, " + list + ") {\n"
                + "    long i = (long)blockIdx.x * blockDim.x + threadIdx.x;\n"
                + "    if (i < n) " + function + "(i, " + args + ");\n}\n"
                + "#ifndef __CUDACC_RTC__\n"
                + "extern \"C\" void " + function + "_host(long n, " + list + ") {\n"
                + "    for (long i = 0; i < n; i++) " + function + "(i, " + args + ");\n}\n"
                + "#endif\n";
    }

    private void line(String s) {
        body.append("    ").append(s).append('\n');
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
            case Op.ReduceSum o -> reduce(o.axes(), "sum");
            case Op.ReduceMean o -> reduce(o.axes(), "mean");
            case Op.ReduceMax o -> reduce(o.axes(), "max");
            case Op.Softmax o -> softmax(o.axis(), false);
            case Op.LogSoftmax o -> softmax(o.axis(), true);
            case Op.LayerNorm o -> layerNorm(o.epsilon());
            case Op.SoftmaxCrossEntropy o -> crossEntropy(o.ignoreIndex());
            case Op.Gather o -> gather();
            case Op.ScatterAddRows o -> scatterAddRows(o.rows());
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

    // ---- reductions ---------------------------------------------------------------------------

    private void reduce(int[] axes, String kind) {
        Shape in = node.input(0).shape();
        int[] d = in.dims();
        long[] s = strides(d);
        boolean[] reduced = new boolean[d.length];
        long count = 1;
        for (int a : axes) {
            reduced[a] = true;
            count *= d[a];
        }
        // Output element i enumerates the kept axes in order (keepDims only adds size-1 axes).
        List<Integer> kept = new ArrayList<>();
        for (int a = 0; a < d.length; a++) {
            if (!reduced[a]) {
                kept.add(a);
            }
        }
        line("long q = i;");
        line("long base = 0;");
        for (int j = kept.size() - 1; j >= 0; j--) {
            int a = kept.get(j);
            line("base += (q % " + d[a] + "L) * " + s[a] + "L; q /= " + d[a] + "L;");
        }
        String t = t();
        line("const long count = " + count + "L;");
        line(t + " acc = " + (kind.equals("max") ? "in0[base]" : lit(0)) + ";");
        line("for (long r = " + (kind.equals("max") ? 1 : 0) + "; r < count; r++) {");
        line("    long p = r;");
        line("    long off = base;");
        for (int j = axes.length - 1; j >= 0; j--) {
            int a = axes[j];
            line("    off += (p % " + d[a] + "L) * " + s[a] + "L; p /= " + d[a] + "L;");
        }
        line("    const " + t + " v = in0[off];");
        line(kind.equals("max") ? "    if (v > acc) acc = v;" : "    acc = acc + v;");
        line("}");
        line("out[i] = " + (kind.equals("mean") ? "acc / (" + t + ")count" : "acc") + ";");
    }

    private void softmax(int axis, boolean log) {
        Shape in = node.input(0).shape();
        long length = in.dim(axis);
        long inner = 1;
        for (int a = axis + 1; a < in.rank(); a++) {
            inner *= in.dim(a);
        }
        String t = t();
        line("const long len = " + length + "L;");
        line("const long inner = " + inner + "L;");
        line("const long base = (i / inner) * len * inner + i % inner;");
        line(t + " m = in0[base];");
        line("for (long j = 1; j < len; j++) { const " + t + " v = in0[base + j * inner]; if (v > m) m = v; }");
        line(t + " sum = " + lit(0) + ";");
        line("for (long j = 0; j < len; j++) sum = sum + " + fn("exp") + "(in0[base + j * inner] - m);");
        if (log) {
            line("const " + t + " log_sum = " + fn("log") + "(sum);");
            line("for (long j = 0; j < len; j++) out[base + j * inner] = (in0[base + j * inner] - m) - log_sum;");
        } else {
            line("for (long j = 0; j < len; j++) out[base + j * inner] = " + fn("exp") + "(in0[base + j * inner] - m) / sum;");
        }
    }

    private void layerNorm(double epsilon) {
        long width = node.input(0).shape().dim(-1);
        String t = t();
        line("const long width = " + width + "L;");
        line("const long base = i * width;");
        line(t + " mean = " + lit(0) + ";");
        line("for (long j = 0; j < width; j++) mean = mean + in0[base + j];");
        line("mean = mean / (" + t + ")width;");
        line(t + " var = " + lit(0) + ";");
        line("for (long j = 0; j < width; j++) { const " + t + " d = in0[base + j] - mean; var = var + d * d; }");
        line("var = var / (" + t + ")width;");
        // The epsilon is a float attribute in ONNX: round it as ONNX Runtime sees it.
        line("const " + t + " inv = " + lit(1) + " / " + fn("sqrt") + "(var + " + CType.literal((float) epsilon, outType()) + ");");
        line("for (long j = 0; j < width; j++) out[base + j] = (in0[base + j] - mean) * inv * in1[j] + in2[j];");
    }

    private void crossEntropy(long ignoreIndex) {
        long classes = node.input(0).shape().dim(1);
        String t = t();
        line("const long classes = " + classes + "L;");
        line("const long long target = in1[i];");
        line("if (target == " + ignoreIndex + "LL) { out[i] = " + lit(0) + "; return; }");
        line("const long base = i * classes;");
        line(t + " m = in0[base];");
        line("for (long j = 1; j < classes; j++) { const " + t + " v = in0[base + j]; if (v > m) m = v; }");
        line(t + " sum = " + lit(0) + ";");
        line("for (long j = 0; j < classes; j++) sum = sum + " + fn("exp") + "(in0[base + j] - m);");
        // An out-of-range target is a data error: NaN makes it visible in the loss instead of reading out of bounds.
        line("if (target < 0 || target >= classes) { out[i] = " + fn("sqrt") + "(" + lit(-1) + "); return; }");
        line("out[i] = -((in0[base + target] - m) - " + fn("log") + "(sum));");
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

    private void scatterAddRows(int rows) {
        Value indices = node.input(0);
        long count = indices.shape().size();
        long rest = node.output().shape().size() / rows;
        String t = t();
        line("const long rest = " + rest + "L;");
        line(t + "* row = out + i * rest;");
        line("for (long j = 0; j < rest; j++) row[j] = " + lit(0) + ";");
        // Updates are added in index order, whatever the hardware: the result is deterministic.
        line("for (long m = 0; m < " + count + "L; m++) {");
        line("    long long k = in0[m];");
        line("    if (k < 0) k += " + rows + "LL;");
        line("    if (k != i) continue;");
        line("    const " + t + "* update = in1 + m * rest;");
        line("    for (long j = 0; j < rest; j++) row[j] = row[j] + update[j];");
        line("}");
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
