package dev.overtune.graph;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A graph transform: M members of one graph in one, each with its own values of the chosen inputs (a model's
 * parameters: M perturbed copies, M fine-tunes), the other inputs (the batch) shared. Every value that depends on a
 * member input gets a leading member axis [M, ...]; every output is [M, ...] (those that depend on no member input
 * are broadcast). Member m of the result computes exactly what the original computes on member m's inputs; only the
 * grouping of the arithmetic changes (a weight matmul over all members' rows at once, for instance).
 *
 * <p>Each op is rewritten by a rule that keeps its meaning per member: axes shift by one; elementwise operands are
 * aligned so that the member axis meets the member axis; a member's matmul by its own weight matrix is one batched
 * matmul over [M, rows, k]; an embedding lookup in M tables is one lookup in their concatenation; a LayerNorm with
 * per-member gains is the plain normalisation times the gain plus the bias. Training-only ops (the scatter and
 * target-add of the backward pass) are refused by name: a member-axis training graph differentiates the member-axis
 * forward instead ({@link #into}), and the batch inputs may carry the member axis too (each member its own data).
 */
public final class MemberAxis {
    /** Largest index a member-offset embedding lookup may reach: float32 holds integers exactly up to 2^24. */
    private static final long EXACT_FLOAT_INTEGERS = 1L << 24;

    private final GraphBuilder g;
    private final int members;
    private final Map<Value, Value> mapped = new HashMap<>();
    private final Map<Value, Boolean> batched = new HashMap<>();

    private MemberAxis(GraphBuilder g, int members) {
        this.g = g;
        this.members = members;
    }

    /**
     * The graph with {@code members} members: each input named in {@code memberInputs} becomes [M, ...its shape],
     * every output [M, ...].
     */
    public static Graph batch(Graph graph, int members, Set<String> memberInputs) {
        check(graph, members, memberInputs);
        GraphBuilder g = new GraphBuilder(graph.name() + "_x" + members);
        Map<String, Value> inputs = new HashMap<>();
        for (Value in : graph.inputs()) {
            Shape shape = memberInputs.contains(in.name()) ? withMembers(members, in.shape()) : in.shape();
            inputs.put(in.name(), g.input(in.name(), in.dtype(), shape));
        }
        Map<String, Value> outputs = into(g, graph, members, inputs, memberInputs);
        outputs.forEach(g::output);
        return g.build();
    }

    /**
     * Rewrites the graph's nodes into a caller's builder, for a caller that builds more around them (a member-axis
     * training graph differentiates the result): {@code inputs} gives the value every input of the graph takes
     * there, [M, ...its shape] for those named in {@code memberInputs}, its own shape for the others. Returns every
     * output of the graph by name, [M, ...].
     */
    public static Map<String, Value> into(GraphBuilder g, Graph graph, int members, Map<String, Value> inputs, Set<String> memberInputs) {
        check(graph, members, memberInputs);
        MemberAxis t = new MemberAxis(g, members);
        for (Value in : graph.inputs()) {
            boolean member = memberInputs.contains(in.name());
            Value now = inputs.get(in.name());
            Shape expected = member ? withMembers(members, in.shape()) : in.shape();
            if (now == null || !now.shape().equals(expected) || now.dtype() != in.dtype()) {
                throw new GraphException("input '" + in.name() + "' needs a " + in.dtype() + " value of shape " + expected
                        + (now == null ? ", none given" : ", got " + now));
            }
            t.put(in, now, member);
        }
        for (Value c : graph.constants()) {
            t.put(c, g.constant(c.name(), c.dtype(), c.shape(), c.constant()), false);
        }
        for (Node n : graph.nodes()) {
            t.rewrite(n);
        }
        Map<String, Value> out = new LinkedHashMap<>();
        for (Map.Entry<String, Value> o : graph.outputs().entrySet()) {
            out.put(o.getKey(), t.membered(o.getValue()));
        }
        return out;
    }

    private static void check(Graph graph, int members, Set<String> memberInputs) {
        if (members < 1) {
            throw new GraphException("a member axis needs at least one member, got " + members);
        }
        for (String name : memberInputs) {
            graph.input(name);
        }
    }

    private void put(Value original, Value now, boolean member) {
        mapped.put(original, now);
        batched.put(original, member);
    }

    private Shape withMembers(Shape s) {
        return withMembers(members, s);
    }

    private static Shape withMembers(int members, Shape s) {
        int[] d = new int[s.rank() + 1];
        d[0] = members;
        System.arraycopy(s.dims(), 0, d, 1, s.rank());
        return Shape.of(d);
    }

    /** The new value of an original one, with a member axis whether or not it had one (broadcast). */
    private Value membered(Value original) {
        Value v = mapped.get(original);
        if (batched.get(original)) {
            return v;
        }
        return g.expand(g.reshape(v, leadingOnes(1, v.shape())), withMembers(v.shape()));
    }

    /** A member value of logical rank r as [M, 1 × (rank - r), ...]: aligned for broadcasting against logical rank {@code rank}. */
    private Value aligned(Value original, int rank) {
        Value v = mapped.get(original);
        int r = original.shape().rank();
        if (!batched.get(original) || r == rank) {
            return v;
        }
        return g.reshape(v, withMembers(Shape.of(leadingOnes(rank - r, original.shape()))).dims());
    }

    /** [1 × n, ...s]. */
    private static int[] leadingOnes(int n, Shape s) {
        int[] d = new int[n + s.rank()];
        Arrays.fill(d, 0, n, 1);
        System.arraycopy(s.dims(), 0, d, n, s.rank());
        return d;
    }

    private static int[] ones(int n) {
        int[] d = new int[n];
        Arrays.fill(d, 1);
        return d;
    }

    private void rewrite(Node n) {
        List<Value> in = n.inputs();
        boolean any = in.stream().anyMatch(batched::get);
        if (!any) {
            put(n.output(), apply(g, n.op(), in.stream().map(mapped::get).toList()), false);
            return;
        }
        Value out = switch (n.op()) {
            case Op.Neg op -> apply(g, op, List.of(mapped.get(in.get(0))));
            case Op.Exp op -> apply(g, op, List.of(mapped.get(in.get(0))));
            case Op.Log op -> apply(g, op, List.of(mapped.get(in.get(0))));
            case Op.Sqrt op -> apply(g, op, List.of(mapped.get(in.get(0))));
            case Op.Tanh op -> apply(g, op, List.of(mapped.get(in.get(0))));
            case Op.Erf op -> apply(g, op, List.of(mapped.get(in.get(0))));
            case Op.Gelu op -> apply(g, op, List.of(mapped.get(in.get(0))));
            case Op.Cast op -> apply(g, op, List.of(mapped.get(in.get(0))));
            case Op.OneHot op -> apply(g, op, List.of(mapped.get(in.get(0))));
            case Op.Add op -> elementwise(op, in);
            case Op.Sub op -> elementwise(op, in);
            case Op.Mul op -> elementwise(op, in);
            case Op.Div op -> elementwise(op, in);
            case Op.Where op -> elementwise(op, in);
            case Op.Equal op -> elementwise(op, in);
            case Op.MatMul op -> matmul(in.get(0), in.get(1));
            case Op.ReduceSum op -> g.reduceSum(mapped.get(in.get(0)), op.keepDims(), shifted(op.axes()));
            case Op.ReduceMean op -> g.reduceMean(mapped.get(in.get(0)), op.keepDims(), shifted(op.axes()));
            case Op.ReduceMax op -> g.reduceMax(mapped.get(in.get(0)), op.keepDims(), shifted(op.axes()));
            case Op.Softmax op -> g.softmax(mapped.get(in.get(0)), op.axis() + 1);
            case Op.LogSoftmax op -> g.logSoftmax(mapped.get(in.get(0)), op.axis() + 1);
            case Op.LayerNorm op -> layerNorm(op, in.get(0), in.get(1), in.get(2));
            case Op.Gather op -> gather(in.get(0), in.get(1));
            case Op.SoftmaxCrossEntropy op -> crossEntropy(op, in.get(0), in.get(1));
            case Op.Reshape op -> g.reshape(mapped.get(in.get(0)), withMembers(op.to()).dims());
            case Op.Transpose op -> transpose(in.get(0), op.perm());
            case Op.Slice op -> g.slice(mapped.get(in.get(0)), op.axis() + 1, op.start(), op.end());
            case Op.Pad op -> g.pad(mapped.get(in.get(0)), op.axis() + 1, op.before(), op.after());
            case Op.Concat op -> g.concat(op.axis() + 1, in.stream().map(this::membered).toArray(Value[]::new));
            case Op.Expand op -> g.expand(aligned(in.get(0), op.to().rank()), withMembers(op.to()));
            case Op.Zeros op -> throw new IllegalStateException("Zeros has no inputs");
            case Op.ScatterAddRows op -> refuse(n);
            case Op.AddAtTargets op -> refuse(n);
        };
        put(n.output(), out, true);
    }

    private static Value refuse(Node n) {
        throw new GraphException("node '" + n.name() + "' (" + n.op().name() + "): a member axis is not defined for this training op;"
                + " run the members one by one");
    }

    private Value elementwise(Op op, List<Value> in) {
        int rank = in.stream().mapToInt(v -> v.shape().rank()).max().orElseThrow();
        return apply(g, op, in.stream().map(v -> aligned(v, rank)).toList());
    }

    /**
     * A member's product with its own weight matrix: the member's rows [M, rows, k] times [M, k, m] in one batched
     * matmul; otherwise the operands aligned so that their member axes meet.
     */
    private Value matmul(Value a, Value b) {
        boolean ma = batched.get(a);
        boolean mb = batched.get(b);
        Shape as = a.shape();
        Shape bs = b.shape();
        if (mb && bs.rank() == 2) {
            int k = as.dim(-1);
            int rows = Math.toIntExact(as.size() / k);
            Value left = ma ? g.reshape(mapped.get(a), members, rows, k) : g.reshape(mapped.get(a), rows, k);
            Value product = g.matmul(left, mapped.get(b));
            int[] out = withMembers(as.with(as.rank() - 1, bs.dim(-1))).dims();
            return g.reshape(product, out);
        }
        int rank = Math.max(as.rank(), bs.rank());
        return g.matmul(aligned(a, rank), aligned(b, rank));
    }

    /**
     * A transpose that keeps the first axis in place (the head split [B, T, H, hd] to [B, H, T, hd], say) runs with the
     * member axis merged into that axis: the one-by-one graph's transpose on M times the rows, where the same
     * permutation one rank higher took ONNX Runtime's slower general path. Pure data movement: the same values.
     */
    private Value transpose(Value x, int[] perm) {
        Value v = mapped.get(x);
        Shape s = x.shape();
        if (perm.length < 2 || perm[0] != 0) {
            return g.transpose(v, shiftedPerm(perm));
        }
        int[] merged = s.dims().clone();
        merged[0] *= members;
        int[] out = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            out[i] = s.dim(perm[i]);
        }
        return g.reshape(g.transpose(g.reshape(v, merged), perm), withMembers(Shape.of(out)).dims());
    }

    /** Per-member gains and biases: the plain normalisation (gain 1, bias 0), then times the gain plus the bias. */
    private Value layerNorm(Op.LayerNorm op, Value x, Value scale, Value bias) {
        if (!batched.get(scale) && !batched.get(bias)) {
            return g.layerNorm(mapped.get(x), mapped.get(scale), mapped.get(bias), op.epsilon());
        }
        int c = x.shape().dim(-1);
        double[] one = new double[c];
        Arrays.fill(one, 1.0);
        Value ones = g.constant("layernorm_ones", x.dtype(), Shape.of(c), new Constant.Floats(one));
        Value zeros = g.constant("layernorm_zeros", x.dtype(), Shape.of(c), new Constant.Floats(new double[c]));
        Value normed = g.layerNorm(mapped.get(x), ones, zeros, op.epsilon());
        int rank = x.shape().rank();
        // The gain and bias [C] aligned to x's logical rank, so their member axis meets x's (or broadcasts over it).
        return g.add(g.mul(normed, aligned(scale, rank)), aligned(bias, rank));
    }

    /**
     * Rows of M tables at once: the tables as one [M·rows, ...] table and each member's indices offset by m·rows. The
     * offset is added in float32, exact below 2^24; larger tables are transposed to [rows, M, ...] and gathered instead.
     * Indices with a member axis (each member's own batch, as its fine-tune's data order gives it) take the same
     * offsets, each member's indices into its own table; into one shared table they are a plain lookup.
     */
    private Value gather(Value data, Value indices) {
        if (!batched.get(data)) {
            return g.gather(mapped.get(data), mapped.get(indices));
        }
        Value table = mapped.get(data);
        Shape ds = data.shape();
        int rows = ds.dim(0);
        Value idx = mapped.get(indices);
        int[] rest = Arrays.copyOfRange(ds.dims(), 1, ds.rank());
        if ((long) members * rows < EXACT_FLOAT_INTEGERS) {
            int[] flat = new int[rest.length + 1];
            flat[0] = members * rows;
            System.arraycopy(rest, 0, flat, 1, rest.length);
            double[] offsets = new double[members];
            for (int m = 0; m < members; m++) {
                offsets[m] = (double) m * rows;
            }
            int[] offsetShape = withMembers(Shape.of(ones(indices.shape().rank()))).dims();
            Value offset = g.constant("member_row_offsets", DType.F32, Shape.of(offsetShape), new Constant.Floats(offsets));
            Value shifted = g.cast(g.add(g.cast(idx, DType.F32), offset), DType.I64);
            return g.gather(g.reshape(table, flat), shifted);
        }
        if (batched.get(indices)) {
            throw new GraphException("a member axis on the indices into " + members + " tables of " + rows
                    + " rows is not supported (more than 2^24 rows together); use fewer members");
        }
        int[] perm = new int[ds.rank() + 1];
        perm[0] = 1;
        perm[1] = 0;
        for (int i = 2; i < perm.length; i++) {
            perm[i] = i;
        }
        Value picked = g.gather(g.transpose(table, perm), idx); // [indices..., M, rest...]
        int ir = indices.shape().rank();
        int[] back = new int[ir + 1 + rest.length];
        back[0] = ir;
        for (int i = 0; i < ir; i++) {
            back[i + 1] = i;
        }
        for (int i = 0; i < rest.length; i++) {
            back[ir + 1 + i] = ir + 1 + i;
        }
        return g.transpose(picked, back);
    }

    /** Per-row NLL of every member: the members' rows as one [M·N, V] batch, the targets repeated per member. */
    private Value crossEntropy(Op.SoftmaxCrossEntropy op, Value logits, Value targets) {
        int n = logits.shape().dim(0);
        int v = logits.shape().dim(1);
        Value rows = g.reshape(membered(logits), members * n, v);
        Value t = g.reshape(membered(targets), members * n);
        return g.reshape(g.softmaxCrossEntropy(rows, t, op.ignoreIndex()), members, n);
    }

    private static int[] shifted(int[] axes) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = axes[i] + 1;
        }
        return out;
    }

    private static int[] shiftedPerm(int[] perm) {
        int[] out = new int[perm.length + 1];
        for (int i = 0; i < perm.length; i++) {
            out[i + 1] = perm[i] + 1;
        }
        return out;
    }

    /** The op on these inputs, through the builder's own checks. */
    static Value apply(GraphBuilder g, Op op, List<Value> in) {
        return switch (op) {
            case Op.Add o -> g.add(in.get(0), in.get(1));
            case Op.Sub o -> g.sub(in.get(0), in.get(1));
            case Op.Mul o -> g.mul(in.get(0), in.get(1));
            case Op.Div o -> g.div(in.get(0), in.get(1));
            case Op.Neg o -> g.neg(in.get(0));
            case Op.Exp o -> g.exp(in.get(0));
            case Op.Log o -> g.log(in.get(0));
            case Op.Sqrt o -> g.sqrt(in.get(0));
            case Op.Tanh o -> g.tanh(in.get(0));
            case Op.Erf o -> g.erf(in.get(0));
            case Op.Gelu o -> g.gelu(in.get(0), o.tanhApproximation());
            case Op.Where o -> g.where(in.get(0), in.get(1), in.get(2));
            case Op.Equal o -> g.equal(in.get(0), in.get(1));
            case Op.Cast o -> g.cast(in.get(0), o.to());
            case Op.MatMul o -> g.matmul(in.get(0), in.get(1));
            case Op.ReduceSum o -> g.reduceSum(in.get(0), o.keepDims(), o.axes());
            case Op.ReduceMean o -> g.reduceMean(in.get(0), o.keepDims(), o.axes());
            case Op.ReduceMax o -> g.reduceMax(in.get(0), o.keepDims(), o.axes());
            case Op.Softmax o -> g.softmax(in.get(0), o.axis());
            case Op.LogSoftmax o -> g.logSoftmax(in.get(0), o.axis());
            case Op.LayerNorm o -> g.layerNorm(in.get(0), in.get(1), in.get(2), o.epsilon());
            case Op.Gather o -> g.gather(in.get(0), in.get(1));
            case Op.ScatterAddRows o -> g.scatterAddRows(in.get(0), in.get(1), o.rows());
            case Op.AddAtTargets o -> g.addAtTargets(in.get(0), in.get(1), in.get(2), o.ignoreIndex());
            case Op.OneHot o -> g.oneHot(in.get(0), o.depth(), o.dtype());
            case Op.SoftmaxCrossEntropy o -> g.softmaxCrossEntropy(in.get(0), in.get(1), o.ignoreIndex());
            case Op.Reshape o -> g.reshape(in.get(0), o.to().dims());
            case Op.Transpose o -> g.transpose(in.get(0), o.perm());
            case Op.Slice o -> g.slice(in.get(0), o.axis(), o.start(), o.end());
            case Op.Pad o -> g.pad(in.get(0), o.axis(), o.before(), o.after());
            case Op.Concat o -> g.concat(o.axis(), in.toArray(Value[]::new));
            case Op.Expand o -> g.expand(in.get(0), o.to());
            case Op.Zeros o -> g.zeros(o.shape(), o.dtype());
        };
    }
}
