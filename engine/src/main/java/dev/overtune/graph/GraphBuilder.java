package dev.overtune.graph;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link Graph} one op at a time, checking dtypes and shapes as each node is added: a
 * mismatch fails right there with the node's name and the shapes involved.
 */
public final class GraphBuilder {
    private final String name;
    private final List<Value> inputs = new ArrayList<>();
    private final List<Value> constants = new ArrayList<>();
    private final Map<String, Value> onesRows = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Value> outputs = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private final Deque<String> scopes = new ArrayDeque<>();
    private int nextId;

    public GraphBuilder(String name) {
        this.name = name;
    }

    public Graph build() {
        if (outputs.isEmpty()) {
            throw new GraphException("graph '" + name + "' has no outputs");
        }
        return new Graph(name, inputs, constants, nodes, outputs);
    }

    /** Names the nodes added until the returned scope is closed: {@code try (var s = g.scope("h.0")) {...}}. */
    public Scope scope(String part) {
        scopes.addLast(part);
        return scopes::removeLast;
    }

    /** A naming scope of {@link #scope}; closing it cannot fail. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    // ---- leaves -------------------------------------------------------------------------------

    public Value input(String inputName, DType dtype, Shape shape) {
        claimName(inputName);
        Value v = new Value(nextId++, Value.Kind.INPUT, dtype, shape, inputName, null);
        inputs.add(v);
        return v;
    }

    public Value constant(String constantName, DType dtype, Shape shape, Constant data) {
        long n = switch (data) {
            case Constant.Floats f -> f.values().length;
            case Constant.Longs l -> l.values().length;
            case Constant.Bools b -> b.values().length;
        };
        if (n != shape.size()) {
            throw new GraphException("constant '" + constantName + "': " + n + " values for shape " + shape);
        }
        String unique = uniqueName(constantName == null ? "const" : constantName);
        Value v = new Value(nextId++, Value.Kind.CONSTANT, dtype, shape, unique, data);
        constants.add(v);
        return v;
    }

    /** A [1, n] row of ones, one constant per (n, dtype) however often it is asked for. */
    public Value onesRow(int n, DType dtype) {
        return onesRows.computeIfAbsent(n + ":" + dtype, k -> {
            double[] ones = new double[n];
            Arrays.fill(ones, 1.0);
            return constant("ones_" + n, dtype, Shape.of(1, n), new Constant.Floats(ones));
        });
    }

    public Value scalar(double value, DType dtype) {
        return constant("scalar", dtype, Shape.scalar(), new Constant.Floats(new double[] {value}));
    }

    public void output(String outputName, Value value) {
        if (outputs.containsKey(outputName)) {
            throw new GraphException("graph '" + name + "' already has an output '" + outputName + "'");
        }
        outputs.put(outputName, value);
    }

    // ---- elementwise --------------------------------------------------------------------------

    public Value add(Value a, Value b) { return binary(new Op.Add(), a, b); }
    public Value sub(Value a, Value b) { return binary(new Op.Sub(), a, b); }
    public Value mul(Value a, Value b) { return binary(new Op.Mul(), a, b); }
    public Value div(Value a, Value b) { return binary(new Op.Div(), a, b); }
    public Value neg(Value x) { return unary(new Op.Neg(), x); }
    public Value exp(Value x) { return unary(new Op.Exp(), x); }
    public Value log(Value x) { return unary(new Op.Log(), x); }
    public Value sqrt(Value x) { return unary(new Op.Sqrt(), x); }
    public Value tanh(Value x) { return unary(new Op.Tanh(), x); }
    public Value erf(Value x) { return unary(new Op.Erf(), x); }

    public Value gelu(Value x, boolean tanhApproximation) {
        return unary(new Op.Gelu(tanhApproximation), x);
    }

    public Value mul(Value a, double b) { return mul(a, scalar(b, a.dtype())); }
    public Value add(Value a, double b) { return add(a, scalar(b, a.dtype())); }

    public Value where(Value cond, Value a, Value b) {
        Op op = new Op.Where();
        String n = nodeName(op);
        if (cond.dtype() != DType.BOOL) {
            throw error(n, op, "condition must be BOOL, got " + cond);
        }
        requireSameDType(n, op, a, b);
        Shape s = broadcast(n, op, broadcast(n, op, cond.shape(), a.shape()), b.shape());
        return add(n, op, List.of(cond, a, b), a.dtype(), s);
    }

    public Value equal(Value a, Value b) {
        Op op = new Op.Equal();
        String n = nodeName(op);
        requireSameDType(n, op, a, b);
        return add(n, op, List.of(a, b), DType.BOOL, broadcast(n, op, a.shape(), b.shape()));
    }

    public Value cast(Value x, DType to) {
        Op op = new Op.Cast(to);
        return add(nodeName(op), op, List.of(x), to, x.shape());
    }

    // ---- linear algebra and reductions ------------------------------------------------------

    public Value matmul(Value a, Value b) {
        Op op = new Op.MatMul();
        String n = nodeName(op);
        requireFloat(n, op, a);
        requireSameDType(n, op, a, b);
        if (a.shape().rank() < 2 || b.shape().rank() < 2) {
            throw error(n, op, "needs rank >= 2 operands, got " + a.shape() + " x " + b.shape());
        }
        int k1 = a.shape().dim(-1);
        int k2 = b.shape().dim(-2);
        if (k1 != k2) {
            throw error(n, op, "inner dimensions differ: " + a.shape() + " x " + b.shape());
        }
        int[] ab = Arrays.copyOf(a.shape().dims(), a.shape().rank() - 2);
        int[] bb = Arrays.copyOf(b.shape().dims(), b.shape().rank() - 2);
        int[] batch = broadcast(n, op, Shape.of(ab), Shape.of(bb)).dims();
        int[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = a.shape().dim(-2);
        out[batch.length + 1] = b.shape().dim(-1);
        return add(n, op, List.of(a, b), a.dtype(), Shape.of(out));
    }

    public Value reduceSum(Value x, boolean keepDims, int... axes) {
        return reduce(new Op.ReduceSum(normalize(x, axes), keepDims), x, keepDims);
    }

    public Value reduceMean(Value x, boolean keepDims, int... axes) {
        return reduce(new Op.ReduceMean(normalize(x, axes), keepDims), x, keepDims);
    }

    public Value reduceMax(Value x, boolean keepDims, int... axes) {
        return reduce(new Op.ReduceMax(normalize(x, axes), keepDims), x, keepDims);
    }

    public Value softmax(Value x, int axis) {
        Op op = new Op.Softmax(x.shape().normalizeAxis(axis));
        requireFloat(nodeName(op), op, x);
        return add(nodeName(op), op, List.of(x), x.dtype(), x.shape());
    }

    public Value logSoftmax(Value x, int axis) {
        Op op = new Op.LogSoftmax(x.shape().normalizeAxis(axis));
        requireFloat(nodeName(op), op, x);
        return add(nodeName(op), op, List.of(x), x.dtype(), x.shape());
    }

    public Value layerNorm(Value x, Value scale, Value bias, double epsilon) {
        Op op = new Op.LayerNorm(epsilon);
        String n = nodeName(op);
        requireFloat(n, op, x);
        requireSameDType(n, op, x, scale);
        requireSameDType(n, op, x, bias);
        Shape last = Shape.of(x.shape().dim(-1));
        if (!scale.shape().equals(last) || !bias.shape().equals(last)) {
            throw error(n, op, "scale and bias must be " + last + " for input " + x.shape() + ", got " + scale.shape() + " and " + bias.shape());
        }
        return add(n, op, List.of(x, scale, bias), x.dtype(), x.shape());
    }

    // ---- indexing -----------------------------------------------------------------------------

    public Value gather(Value data, Value indices) {
        Op op = new Op.Gather();
        String n = nodeName(op);
        requireIndices(n, op, indices);
        int[] d = data.shape().dims();
        int[] idx = indices.shape().dims();
        int[] out = new int[idx.length + d.length - 1];
        System.arraycopy(idx, 0, out, 0, idx.length);
        System.arraycopy(d, 1, out, idx.length, d.length - 1);
        return add(n, op, List.of(data, indices), data.dtype(), Shape.of(out));
    }

    public Value scatterAddRows(Value indices, Value dOut, int rows) {
        Op op = new Op.ScatterAddRows(rows);
        String n = nodeName(op);
        requireIndices(n, op, indices);
        int[] idx = indices.shape().dims();
        int[] g = dOut.shape().dims();
        if (g.length <= idx.length || !Arrays.equals(Arrays.copyOf(g, idx.length), idx)) {
            throw error(n, op, "updates " + dOut.shape() + " must start with the indices' shape " + indices.shape());
        }
        int[] out = new int[g.length - idx.length + 1];
        out[0] = rows;
        System.arraycopy(g, idx.length, out, 1, g.length - idx.length);
        return add(n, op, List.of(indices, dOut), dOut.dtype(), Shape.of(out));
    }

    public Value addAtTargets(Value x, Value targets, Value values, long ignoreIndex) {
        Op op = new Op.AddAtTargets(ignoreIndex);
        String n = nodeName(op);
        requireFloat(n, op, x);
        requireIndices(n, op, targets);
        requireSameDType(n, op, x, values);
        if (x.shape().rank() != 2 || !targets.shape().equals(Shape.of(x.shape().dim(0))) || !values.shape().equals(targets.shape())) {
            throw error(n, op, "needs x [N,V], targets [N] and values [N], got " + x.shape() + ", " + targets.shape() + ", " + values.shape());
        }
        return add(n, op, List.of(x, targets, values), x.dtype(), x.shape());
    }

    public Value oneHot(Value indices, int depth, DType dtype) {
        Op op = new Op.OneHot(depth, dtype);
        String n = nodeName(op);
        requireIndices(n, op, indices);
        int[] idx = indices.shape().dims();
        int[] out = Arrays.copyOf(idx, idx.length + 1);
        out[idx.length] = depth;
        return add(n, op, List.of(indices), dtype, Shape.of(out));
    }

    public Value softmaxCrossEntropy(Value logits, Value targets, long ignoreIndex) {
        Op op = new Op.SoftmaxCrossEntropy(ignoreIndex);
        String n = nodeName(op);
        requireFloat(n, op, logits);
        requireIndices(n, op, targets);
        if (logits.shape().rank() != 2 || targets.shape().rank() != 1 || logits.shape().dim(0) != targets.shape().dim(0)) {
            throw error(n, op, "needs logits [N,V] and targets [N], got " + logits.shape() + " and " + targets.shape());
        }
        return add(n, op, List.of(logits, targets), logits.dtype(), Shape.of(logits.shape().dim(0)));
    }

    // ---- shape --------------------------------------------------------------------------------

    public Value reshape(Value x, int... dims) {
        Shape to = Shape.of(dims);
        Op op = new Op.Reshape(to);
        String n = nodeName(op);
        if (to.size() != x.shape().size()) {
            throw error(n, op, "cannot reshape " + x.shape() + " to " + to);
        }
        return add(n, op, List.of(x), x.dtype(), to);
    }

    public Value transpose(Value x, int... perm) {
        Op op = new Op.Transpose(perm.clone());
        String n = nodeName(op);
        int r = x.shape().rank();
        boolean[] seen = new boolean[r];
        if (perm.length != r) {
            throw error(n, op, "permutation " + Arrays.toString(perm) + " does not fit " + x.shape());
        }
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            if (perm[i] < 0 || perm[i] >= r || seen[perm[i]]) {
                throw error(n, op, "permutation " + Arrays.toString(perm) + " does not fit " + x.shape());
            }
            seen[perm[i]] = true;
            out[i] = x.shape().dim(perm[i]);
        }
        return add(n, op, List.of(x), x.dtype(), Shape.of(out));
    }

    public Value slice(Value x, int axis, int start, int end) {
        int a = x.shape().normalizeAxis(axis);
        Op op = new Op.Slice(a, start, end);
        String n = nodeName(op);
        if (start < 0 || end > x.shape().dim(a) || start >= end) {
            throw error(n, op, "range [" + start + "," + end + ") outside axis " + a + " of " + x.shape());
        }
        return add(n, op, List.of(x), x.dtype(), x.shape().with(a, end - start));
    }

    public Value pad(Value x, int axis, int before, int after) {
        int a = x.shape().normalizeAxis(axis);
        Op op = new Op.Pad(a, before, after);
        String n = nodeName(op);
        if (before < 0 || after < 0) {
            throw error(n, op, "negative padding for " + x.shape());
        }
        return add(n, op, List.of(x), x.dtype(), x.shape().with(a, x.shape().dim(a) + before + after));
    }

    public Value concat(int axis, Value... parts) {
        if (parts.length == 0) {
            throw new GraphException("concat of nothing in graph '" + name + "'");
        }
        int a = parts[0].shape().normalizeAxis(axis);
        Op op = new Op.Concat(a);
        String n = nodeName(op);
        int total = 0;
        for (Value p : parts) {
            requireSameDType(n, op, parts[0], p);
            if (p.shape().rank() != parts[0].shape().rank() || !p.shape().with(a, 0).equals(parts[0].shape().with(a, 0))) {
                throw error(n, op, "parts differ off axis " + a + ": " + parts[0].shape() + " and " + p.shape());
            }
            total += p.shape().dim(a);
        }
        return add(n, op, List.of(parts), parts[0].dtype(), parts[0].shape().with(a, total));
    }

    public Value expand(Value x, Shape to) {
        Op op = new Op.Expand(to);
        String n = nodeName(op);
        if (!broadcast(n, op, x.shape(), to).equals(to)) {
            throw error(n, op, "cannot broadcast " + x.shape() + " to " + to);
        }
        return add(n, op, List.of(x), x.dtype(), to);
    }

    public Value zeros(Shape shape, DType dtype) {
        Op op = new Op.Zeros(shape, dtype);
        return add(nodeName(op), op, List.of(), dtype, shape);
    }

    // ---- internals ----------------------------------------------------------------------------

    private Value unary(Op op, Value x) {
        String n = nodeName(op);
        requireFloat(n, op, x);
        return add(n, op, List.of(x), x.dtype(), x.shape());
    }

    private Value binary(Op op, Value a, Value b) {
        String n = nodeName(op);
        requireFloat(n, op, a);
        requireSameDType(n, op, a, b);
        return add(n, op, List.of(a, b), a.dtype(), broadcast(n, op, a.shape(), b.shape()));
    }

    private Value reduce(Op op, Value x, boolean keepDims) {
        String n = nodeName(op);
        requireFloat(n, op, x);
        int[] axes = switch (op) {
            case Op.ReduceSum r -> r.axes();
            case Op.ReduceMean r -> r.axes();
            case Op.ReduceMax r -> r.axes();
            default -> throw new IllegalStateException(op.toString());
        };
        if (axes.length == 0) {
            throw error(n, op, "no axes given for " + x.shape());
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < x.shape().rank(); i++) {
            int axis = i;
            boolean reduced = Arrays.stream(axes).anyMatch(r -> r == axis);
            if (!reduced) {
                out.add(x.shape().dim(i));
            } else if (keepDims) {
                out.add(1);
            }
        }
        return add(n, op, List.of(x), x.dtype(), Shape.of(out.stream().mapToInt(Integer::intValue).toArray()));
    }

    private static int[] normalize(Value x, int[] axes) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = x.shape().normalizeAxis(axes[i]);
        }
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new GraphException("axis " + out[i] + " repeated in reduction of " + x);
            }
        }
        return out;
    }

    private Value add(String nodeName, Op op, List<Value> in, DType dtype, Shape shape) {
        Value out = new Value(nextId++, Value.Kind.NODE, dtype, shape, null, null);
        Node node = new Node(nodes.size(), nodeName, op, List.copyOf(in), out);
        out.setProducer(node);
        nodes.add(node);
        return out;
    }

    /** Numpy broadcasting of two shapes. */
    public static Shape broadcastShapes(Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.rank() ? 1 : a.dim(i - (r - a.rank()));
            int db = i < r - b.rank() ? 1 : b.dim(i - (r - b.rank()));
            if (da != db && da != 1 && db != 1) {
                return null;
            }
            out[i] = da == 1 ? db : da;
        }
        return Shape.of(out);
    }

    private Shape broadcast(String n, Op op, Shape a, Shape b) {
        Shape s = broadcastShapes(a, b);
        if (s == null) {
            throw error(n, op, "shapes do not broadcast: " + a + " and " + b);
        }
        return s;
    }

    private void requireFloat(String n, Op op, Value x) {
        if (!x.dtype().isFloat()) {
            throw error(n, op, "needs a float input, got " + x);
        }
    }

    private void requireIndices(String n, Op op, Value x) {
        if (x.dtype() != DType.I64) {
            throw error(n, op, "indices must be I64, got " + x);
        }
    }

    private void requireSameDType(String n, Op op, Value a, Value b) {
        if (a.dtype() != b.dtype()) {
            throw error(n, op, "dtypes differ: " + a + " and " + b);
        }
    }

    private static GraphException error(String nodeName, Op op, String what) {
        return new GraphException("node '" + nodeName + "' (" + op.name() + "): " + what);
    }

    private String nodeName(Op op) {
        String prefix = scopes.isEmpty() ? "" : String.join("/", scopes) + "/";
        return prefix + op.name() + "_" + nodes.size();
    }

    private void claimName(String n) {
        if (!names.add(n)) {
            throw new GraphException("graph '" + name + "' already has a value named '" + n + "'");
        }
    }

    private String uniqueName(String base) {
        String n = base;
        int i = 1;
        while (!names.add(n)) {
            n = base + "_" + i++;
        }
        return n;
    }

    public String name() {
        return name;
    }

    /** The nodes added so far, in order. */
    public List<Node> nodes() {
        return List.copyOf(nodes);
    }
}
