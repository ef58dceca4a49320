package dev.overtune.autodiff;

import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Node;
import dev.overtune.graph.Op;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient of a·xᵀ with x laid out as it is must reach x without a materialised transpose: ONNX Runtime
 * folds a transpose that feeds a MatMul into FusedMatMul, but one that follows a MatMul is a copy.
 */
class TransposedOperandGradientTest {
    @Test
    void gradientOfTheTransposedOperandIsOneMatMulWhoseTransposeFeedsIt() {
        GraphBuilder g = new GraphBuilder("t");
        Value a = g.input("a", DType.F32, Shape.of(2, 3, 4));
        Value x = g.input("x", DType.F32, Shape.of(2, 5, 4));
        Value y = g.matmul(a, g.transpose(x, 0, 2, 1));
        Value loss = g.reduceSum(y, false, 0, 1, 2);
        int forward = g.nodes().size();
        Map<Value, Value> grads = Autodiff.gradients(g, g.nodes(), loss, List.of(a, x));

        Value dx = grads.get(x);
        assertTrue(dx.producer().op() instanceof Op.MatMul, "dx = dyᵀ·a is a MatMul, got " + dx.producer().op());
        Value dyT = dx.producer().input(0);
        assertTrue(dyT.producer().op() instanceof Op.Transpose, "its first operand is dyᵀ, which FusedMatMul absorbs");
        assertSame(a, dx.producer().input(1));
        // da = dy·x uses x itself, not a transpose of xᵀ.
        Value da = grads.get(a);
        assertTrue(da.producer().op() instanceof Op.MatMul);
        assertSame(x, da.producer().input(1));
        // What the gradients are computed from (autodiff may leave nodes nobody reads; they are not emitted).
        Set<Node> live = new HashSet<>();
        Deque<Value> todo = new ArrayDeque<>(List.of(da, dx));
        while (!todo.isEmpty()) {
            Value v = todo.pop();
            if (v.kind() == Value.Kind.NODE && live.add(v.producer())) {
                todo.addAll(v.producer().inputs());
            }
        }
        List<Node> backward = g.nodes().subList(forward, g.nodes().size()).stream().filter(live::contains).toList();
        long transposesAfterMatMul = backward.stream()
                .filter(n -> n.op() instanceof Op.Transpose && n.input(0).kind() == Value.Kind.NODE && n.input(0).producer().op() instanceof Op.MatMul)
                .count();
        assertEquals(0, transposesAfterMatMul, "no transpose of a matmul's result: " + backward);
    }
}
