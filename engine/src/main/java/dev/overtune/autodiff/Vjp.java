package dev.overtune.autodiff;

import dev.overtune.graph.Constant;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Node;
import dev.overtune.graph.Op;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.overtune.autodiff.Autodiff.unbroadcast;

/** Vector-Jacobian products: given dL/d(output), the nodes computing dL/d(input) for each wanted input. */
final class Vjp {
    private Vjp() {}

    static List<Value> of(GraphBuilder g, Node n, Value dy, boolean[] want) {
        Value y = n.output();
        List<Value> in = n.inputs();
        Value x = in.get(0);
        return switch (n.op()) {
            case Op.Add a -> List.of(unbroadcast(g, dy, x.shape()), unbroadcast(g, dy, in.get(1).shape()));
            case Op.Sub s -> Arrays.asList(
                    want[0] ? unbroadcast(g, dy, x.shape()) : null,
                    want[1] ? unbroadcast(g, g.neg(dy), in.get(1).shape()) : null);
            case Op.Mul m -> Arrays.asList(
                    want[0] ? unbroadcast(g, g.mul(dy, in.get(1)), x.shape()) : null,
                    want[1] ? unbroadcast(g, g.mul(dy, x), in.get(1).shape()) : null);
            case Op.Div d -> Arrays.asList(
                    want[0] ? unbroadcast(g, g.div(dy, in.get(1)), x.shape()) : null,
                    want[1] ? unbroadcast(g, g.neg(g.div(g.mul(dy, y), in.get(1))), in.get(1).shape()) : null);
            case Op.Neg neg -> List.of(g.neg(dy));
            case Op.Exp e -> List.of(g.mul(dy, y));
            case Op.Log l -> List.of(g.div(dy, x));
            case Op.Sqrt s -> List.of(g.div(g.mul(dy, 0.5), y));
            case Op.Tanh t -> List.of(g.mul(dy, g.sub(g.scalar(1.0, y.dtype()), g.mul(y, y))));
            case Op.Erf e -> List.of(g.mul(g.mul(dy, 2.0 / Math.sqrt(Math.PI)), g.exp(g.neg(g.mul(x, x)))));
            case Op.Gelu ge -> List.of(g.mul(dy, geluDerivative(g, x, ge.tanhApproximation())));
            case Op.AddAtTargets at -> {
                Value targets = in.get(1);
                Value picked = g.reduceSum(g.mul(dy, g.oneHot(targets, x.shape().dim(1), dy.dtype())), false, 1);
                yield Arrays.asList(want[0] ? dy : null, null, want[2] ? picked : null);
            }
            case Op.Where w -> {
                Value zero = g.scalar(0.0, dy.dtype());
                yield Arrays.asList(null,
                        want[1] ? unbroadcast(g, g.where(x, dy, zero), in.get(1).shape()) : null,
                        want[2] ? unbroadcast(g, g.where(x, zero, dy), in.get(2).shape()) : null);
            }
            case Op.Cast c -> List.of(g.cast(dy, x.dtype()));
            case Op.Equal e -> Arrays.asList(null, null);
            case Op.MatMul m -> matmul(g, x, in.get(1), dy, want);
            case Op.ReduceSum r -> List.of(spread(g, dy, x.shape(), r.axes()));
            case Op.ReduceMean r -> {
                long count = 1;
                for (int axis : r.axes()) {
                    count *= x.shape().dim(axis);
                }
                yield List.of(spread(g, g.mul(dy, 1.0 / count), x.shape(), r.axes()));
            }
            case Op.ReduceMax r -> {
                Value yKeep = g.reshape(y, keepShape(x.shape(), r.axes()).dims());
                Value dyKeep = g.reshape(dy, keepShape(x.shape(), r.axes()).dims());
                Value mask = g.cast(g.equal(x, yKeep), x.dtype());
                Value ties = g.reduceSum(mask, true, r.axes());
                yield List.of(g.mul(mask, g.div(dyKeep, ties)));
            }
            case Op.Softmax s -> List.of(g.mul(y, g.sub(dy, softmaxRowDot(g, y, dy, s.axis()))));
            case Op.LogSoftmax s -> List.of(g.sub(dy, g.mul(g.exp(y), g.reduceSum(dy, true, s.axis()))));
            case Op.LayerNorm ln -> layerNorm(g, x, in.get(1), dy, ln.epsilon(), want);
            case Op.Gather ga -> Arrays.asList(g.scatterAddRows(in.get(1), dy, x.shape().dim(0)), null);
            case Op.ScatterAddRows s -> Arrays.asList(null, g.gather(dy, x));
            case Op.OneHot o -> Arrays.asList((Value) null);
            case Op.SoftmaxCrossEntropy ce -> {
                Value targets = in.get(1);
                int vocab = x.shape().dim(1);
                Value ignore = g.constant("ignore_index", DType.I64, Shape.scalar(), new Constant.Longs(new long[] {ce.ignoreIndex()}));
                Value valid = g.sub(g.scalar(1.0, x.dtype()), g.cast(g.equal(targets, ignore), x.dtype()));
                Value scale = g.mul(dy, valid);
                // (softmax - onehot) * scale, with the one-hot part scattered rather than materialised.
                Value scaledProbs = g.mul(g.softmax(x, 1), g.reshape(scale, x.shape().dim(0), 1));
                yield Arrays.asList(g.addAtTargets(scaledProbs, targets, g.neg(scale), ce.ignoreIndex()), null);
            }
            case Op.Reshape r -> List.of(g.reshape(dy, x.shape().dims()));
            case Op.Transpose t when isLastTwoSwap(t.perm()) && isLastTwoSwapOutput(dy) ->
                List.of(dy.producer().input(0));
            case Op.Transpose t -> {
                int[] inverse = new int[t.perm().length];
                for (int i = 0; i < inverse.length; i++) {
                    inverse[t.perm()[i]] = i;
                }
                yield List.of(g.transpose(dy, inverse));
            }
            case Op.Slice s -> List.of(g.pad(dy, s.axis(), s.start(), x.shape().dim(s.axis()) - s.end()));
            case Op.Pad p -> List.of(g.slice(dy, p.axis(), p.before(), p.before() + x.shape().dim(p.axis())));
            case Op.Concat c -> {
                List<Value> parts = new ArrayList<>();
                int offset = 0;
                for (int k = 0; k < in.size(); k++) {
                    int size = in.get(k).shape().dim(c.axis());
                    parts.add(want[k] ? g.slice(dy, c.axis(), offset, offset + size) : null);
                    offset += size;
                }
                yield parts;
            }
            case Op.Expand e -> List.of(unbroadcast(g, dy, x.shape()));
            case Op.Zeros z -> List.of();
        };
    }

    /**
     * d gelu(x) / dx, recomputed from x so the forward's fused kernel keeps its intermediates private.
     * tanh form: with u = k(x + c·x³) = x·b, b = k(1 + c·x²), t = tanh(u), k = √(2/π), c = 0.044715,
     * d/dx = 0.5(1+t) + 0.5·x·u'·(1-t²) = (1+t)·(0.5 + w·(1-t)), w = 0.5·x·u' = x·(1.5·b - k).
     * 13 elementwise passes instead of 16.
     * erf form: Φ(x) + x·φ(x).
     */
    private static Value geluDerivative(GraphBuilder g, Value x, boolean tanh) {
        Value x2 = g.mul(x, x);
        if (tanh) {
            double k = Math.sqrt(2.0 / Math.PI);
            double c = 0.044715;
            Value b = g.add(g.mul(x2, k * c), k);
            Value t = g.tanh(g.mul(x, b));
            Value w = g.mul(x, g.add(g.mul(b, 1.5), -k));
            Value oneMinusT = g.sub(g.scalar(1.0, x.dtype()), t);
            return g.mul(g.add(t, 1.0), g.add(g.mul(w, oneMinusT), 0.5));
        }
        Value cdf = g.mul(g.add(g.erf(g.mul(x, 1.0 / Math.sqrt(2.0))), 1.0), 0.5);
        Value pdf = g.mul(g.exp(g.mul(x2, -0.5)), 1.0 / Math.sqrt(2.0 * Math.PI));
        return g.add(cdf, g.mul(x, pdf));
    }

    /**
     * Σ dy·y along the softmax axis. For attention, y = softmax(scores) with out = y·v and dy = dOut·vᵀ,
     * the same sum is Σ dOut·out over the head axis: a pass over [B,H,T,hd] instead of two over [B,H,T,T].
     */
    private static Value softmaxRowDot(GraphBuilder g, Value y, Value dy, int axis) {
        int last = y.shape().rank() - 1;
        if ((axis == last || axis == -1) && dy.kind() == Value.Kind.NODE && dy.producer().op() instanceof Op.MatMul
                && isLastTwoSwapOutput(dy.producer().input(1))) {
            Value dOut = dy.producer().input(0);
            Value v = dy.producer().input(1).producer().input(0);
            for (Node m : g.nodes()) {
                if (m.op() instanceof Op.MatMul && m.input(0) == y && m.input(1) == v && m.output().shape().equals(dOut.shape())) {
                    return g.reduceSum(g.mul(dOut, m.output()), true, last);
                }
            }
        }
        return g.reduceSum(g.mul(dy, y), true, axis);
    }

    /** Gradient of a reduction: the upstream gradient broadcast back over the reduced axes. */
    private static Value spread(GraphBuilder g, Value dy, Shape xShape, int[] axes) {
        return g.expand(g.reshape(dy, keepShape(xShape, axes).dims()), xShape);
    }

    private static Shape keepShape(Shape xShape, int[] axes) {
        Shape s = xShape;
        for (int axis : axes) {
            s = s.with(axis, 1);
        }
        return s;
    }

    private static boolean isLastTwoSwap(int[] perm) {
        int r = perm.length;
        for (int i = 0; i < r - 2; i++) {
            if (perm[i] != i) {
                return false;
            }
        }
        return r >= 2 && perm[r - 2] == r - 1 && perm[r - 1] == r - 2;
    }

    private static boolean isLastTwoSwapOutput(Value v) {
        return v.kind() == Value.Kind.NODE && v.producer().op() instanceof Op.Transpose t && isLastTwoSwap(t.perm());
    }

    private static boolean sameBatchAxes(Shape a, Shape b) {
        for (int i = 0; i < a.rank() - 2; i++) {
            if (a.dim(i) != b.dim(i)) {
                return false;
            }
        }
        return true;
    }

    /** vᵀ over the last two axes; a value that is itself such a transpose gives back what it transposed. */
    private static Value lastTwoSwapped(GraphBuilder g, Value v) {
        if (isLastTwoSwapOutput(v)) {
            return v.producer().input(0);
        }
        int r = v.shape().rank();
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) {
            perm[i] = i;
        }
        perm[r - 1] = r - 2;
        perm[r - 2] = r - 1;
        return g.transpose(v, perm);
    }

    private static List<Value> matmul(GraphBuilder g, Value a, Value b, Value dy, boolean[] want) {
        Value da = null;
        Value db = null;
        if (want[0] && isLastTwoSwapOutput(b) && b.producer().input(0).kind() == Value.Kind.NODE
                && b.producer().input(0).producer().op() instanceof Op.Transpose && a.shape().equals(dy.shape().with(-1, a.shape().dim(-1)))) {
            // b = kᵀ of a head-split k: ONNX Runtime would fold bᵀ into k's head transpose and materialise a
            // second copy of k. (b·dyᵀ)ᵀ uses b as it is, leaves dyᵀ to FusedMatMul's transB, and the outer
            // transpose merges into q's head merge. With the rule below: 45 → 37 transposes per small-preset step.
            da = unbroadcast(g, lastTwoSwapped(g, g.matmul(b, lastTwoSwapped(g, dy))), a.shape());
        } else if (want[0]) {
            da = unbroadcast(g, g.matmul(dy, lastTwoSwapped(g, b)), a.shape());
        }
        if (want[1]) {
            if (b.shape().rank() == 2 && a.shape().rank() > 2) {
                // A weight applied to every row: flatten the batch so dB is one [K,M']x[M',N] product.
                int k = a.shape().dim(-1);
                int nOut = b.shape().dim(-1);
                int rows = (int) (a.shape().size() / k);
                Value a2 = g.reshape(a, rows, k);
                Value dy2 = g.reshape(dy, rows, nOut);
                db = g.matmul(g.transpose(a2, 1, 0), dy2);
            } else if (a.kind() == Value.Kind.NODE && a.producer().op() instanceof Op.Transpose && isLastTwoSwapOutput(b)
                    && a.shape().rank() == b.shape().rank()) {
                // Scores q·kᵀ with q and kᵀ split into heads by transposes: ONNX Runtime folds aᵀ into q's
                // head transpose and materialises it. (dyᵀ·a)ᵀ instead leaves dyᵀ for FusedMatMul's transA,
                // and the outer transpose cancels against kᵀ's in the Transpose rule.
                db = unbroadcast(g, lastTwoSwapped(g, g.matmul(lastTwoSwapped(g, dy), a)), b.shape());
            } else if (isLastTwoSwapOutput(b) && a.shape().rank() == b.shape().rank()
                    && sameBatchAxes(a.shape(), b.shape())) {
                // b = xᵀ of a value laid out as it is (a head sliced out of the fused projection): (dyᵀ·a)ᵀ
                // leaves dyᵀ to FusedMatMul's transA and the outer transpose cancels against xᵀ's in the
                // Transpose rule, where aᵀ·dy would be transposed back into x's layout by a materialised copy.
                db = lastTwoSwapped(g, g.matmul(lastTwoSwapped(g, dy), a));
            } else {
                db = unbroadcast(g, g.matmul(lastTwoSwapped(g, a), dy), b.shape());
            }
        }
        return Arrays.asList(da, db);
    }

    /** LayerNorm backward in primitives; mean and 1/std are recomputed from x rather than saved. */
    private static List<Value> layerNorm(GraphBuilder g, Value x, Value scale, Value dy, double eps, boolean[] want) {
        Value mean = g.reduceMean(x, true, -1);
        Value centered = g.sub(x, mean);
        Value variance = g.reduceMean(g.mul(centered, centered), true, -1);
        Value rstd = g.div(g.scalar(1.0, x.dtype()), g.sqrt(g.add(variance, eps)));
        Value xhat = g.mul(centered, rstd);
        Value dxhat = g.mul(dy, scale);
        Value dx = g.mul(rstd, g.sub(g.sub(dxhat, g.reduceMean(dxhat, true, -1)),
                g.mul(xhat, g.reduceMean(g.mul(dxhat, xhat), true, -1))));
        // A member-axis graph normalises with constant gain 1 and bias 0 (MemberAxis): no reductions for those.
        Value dScale = want[1] ? unbroadcast(g, g.mul(dy, xhat), scale.shape()) : null;
        Value dBias = want[2] ? unbroadcast(g, dy, scale.shape()) : null;
        return Arrays.asList(want[0] ? dx : null, dScale, dBias);
    }
}
