package dev.overtune.autodiff;

import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.GraphException;
import dev.overtune.graph.Node;
import dev.overtune.graph.Value;
import dev.overtune.tensor.Shape;

import dev.overtune.graph.Op;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation: appends to the builder the nodes that compute d(loss)/d(wrt) for
 * every value in {@code wrt}, walking the forward nodes backwards and applying {@link Vjp} rules.
 * Only values that depend on {@code wrt} receive gradients, so data inputs cost nothing.
 */
public final class Autodiff {
    private Autodiff() {}

    public static Map<Value, Value> gradients(GraphBuilder g, List<Node> forward, Value loss, List<Value> wrt) {
        if (loss.shape().size() != 1) {
            throw new GraphException("autodiff needs a scalar loss, got " + loss);
        }
        Set<Value> needsGrad = new HashSet<>(wrt);
        for (Node n : forward) {
            for (Value in : n.inputs()) {
                if (needsGrad.contains(in)) {
                    needsGrad.add(n.output());
                    break;
                }
            }
        }
        if (!needsGrad.contains(loss)) {
            throw new GraphException("the loss " + loss + " does not depend on any parameter");
        }

        Map<Value, Value> grad = new HashMap<>();
        Map<Value, List<SliceGrad>> sliceGrads = new HashMap<>();
        grad.put(loss, g.expand(g.scalar(1.0, loss.dtype()), loss.shape()));
        for (int i = forward.size() - 1; i >= 0; i--) {
            Node n = forward.get(i);
            Value dy = materialize(g, n.output(), grad, sliceGrads);
            if (dy == null) {
                continue;
            }
            boolean[] want = new boolean[n.inputs().size()];
            boolean any = false;
            for (int k = 0; k < want.length; k++) {
                want[k] = needsGrad.contains(n.input(k)) && n.input(k).dtype().isFloat();
                any |= want[k];
            }
            if (!any) {
                continue;
            }
            if (n.op() instanceof Op.Slice slice) {
                // Held back: if the slices of a value tile it, their gradients concatenate (no Pad + Add).
                sliceGrads.computeIfAbsent(n.input(0), k -> new ArrayList<>()).add(new SliceGrad(slice, dy));
                continue;
            }
            List<Value> dx;
            try (var s = g.scope("grad/" + n.name())) {
                dx = Vjp.of(g, n, dy, want);
            }
            for (int k = 0; k < want.length; k++) {
                Value d = dx.get(k);
                if (!want[k] || d == null) {
                    continue;
                }
                Value x = n.input(k);
                if (!d.shape().equals(x.shape())) {
                    throw new GraphException("gradient of " + n + " input " + k + " has shape " + d.shape() + ", expected " + x.shape());
                }
                grad.merge(x, d, g::add);
            }
        }

        Map<Value, Value> out = new LinkedHashMap<>();
        for (Value w : wrt) {
            Value d = materialize(g, w, grad, sliceGrads);
            out.put(w, d != null ? d : g.zeros(w.shape(), w.dtype()));
        }
        return out;
    }

    private record SliceGrad(Op.Slice slice, Value dy) {}

    /** The full gradient of v: the summed contributions plus its slices' gradients, joined or padded. */
    private static Value materialize(GraphBuilder g, Value v, Map<Value, Value> grad, Map<Value, List<SliceGrad>> sliceGrads) {
        List<SliceGrad> slices = sliceGrads.remove(v);
        if (slices == null) {
            return grad.get(v);
        }
        Value fromSlices;
        List<SliceGrad> sorted = new ArrayList<>(slices);
        sorted.sort(Comparator.comparingInt(s -> s.slice().start()));
        if (tiles(sorted, v.shape())) {
            fromSlices = sorted.size() == 1 ? sorted.get(0).dy() : g.concat(sorted.get(0).slice().axis(), sorted.stream().map(SliceGrad::dy).toArray(Value[]::new));
        } else {
            fromSlices = null;
            for (SliceGrad s : slices) {
                Op.Slice sl = s.slice();
                Value padded = g.pad(s.dy(), sl.axis(), sl.start(), v.shape().dim(sl.axis()) - sl.end());
                fromSlices = fromSlices == null ? padded : g.add(fromSlices, padded);
            }
        }
        Value other = grad.get(v);
        Value total = other == null ? fromSlices : g.add(other, fromSlices);
        grad.put(v, total);
        return total;
    }

    /** Whether the slices, sorted by start, cover their common axis exactly once. */
    private static boolean tiles(List<SliceGrad> sorted, Shape shape) {
        int axis = sorted.get(0).slice().axis();
        int next = 0;
        for (SliceGrad s : sorted) {
            if (s.slice().axis() != axis || s.slice().start() != next) {
                return false;
            }
            next = s.slice().end();
        }
        return next == shape.dim(axis);
    }

    /** Sums a broadcast gradient back to the shape of the operand it came from. */
    static Value unbroadcast(GraphBuilder g, Value d, Shape to) {
        if (d.shape().equals(to)) {
            return d;
        }
        int r = d.shape().rank();
        int lead = r - to.rank();
        int[] axes = new int[r];
        int count = 0;
        for (int i = 0; i < r; i++) {
            if (i < lead || (to.dim(i - lead) == 1 && d.shape().dim(i) != 1)) {
                axes[count++] = i;
            }
        }
        if (count > 0 && count < r && axes[count - 1] == count - 1) {
            return g.reshape(sumLeadingAxes(g, d, count), to.dims());
        }
        if (lead == 0 && count > 0 && count < r - 1 && axes[0] == 1 && axes[count - 1] == count) {
            return g.reshape(sumAxesAfterFirst(g, d, count), to.dims());
        }
        Value summed = count == 0 ? d : g.reduceSum(d, true, Arrays.copyOf(axes, count));
        return summed.shape().equals(to) ? summed : g.reshape(summed, to.dims());
    }

    /**
     * Sums axes 1..count of [n, ..., N] (a member-axis bias gradient: [M,B,T,N] to [M,1,1,N]) as the batched
     * ones[1,rows] x d[n,rows,N]: the same product per leading index as {@link #sumLeadingAxes} does alone, so a
     * member's gradient has the bits whatever the number of members (a ReduceSum's blocking depends on the shape).
     */
    private static Value sumAxesAfterFirst(GraphBuilder g, Value d, int count) {
        int n = d.shape().dim(0);
        int rows = 1;
        for (int i = 1; i <= count; i++) {
            rows *= d.shape().dim(i);
        }
        int cols = (int) (d.shape().size() / n / rows);
        return g.matmul(g.onesRow(rows, d.dtype()), g.reshape(d, n, rows, cols));
    }

    /**
     * Sums the first {@code count} axes (a bias gradient: [B,T,N] to [N]) as ones[1,rows] x d[rows,N]:
     * ONNX Runtime's ReduceSum over leading axes runs at about half the speed of that matrix-vector product
     * (README, Benchmarks).
     */
    private static Value sumLeadingAxes(GraphBuilder g, Value d, int count) {
        int rows = 1;
        for (int i = 0; i < count; i++) {
            rows *= d.shape().dim(i);
        }
        int cols = (int) (d.shape().size() / rows);
        return g.matmul(g.onesRow(rows, d.dtype()), g.reshape(d, rows, cols));
    }
}
