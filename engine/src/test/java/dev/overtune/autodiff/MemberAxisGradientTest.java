package dev.overtune.autodiff;

import dev.overtune.graph.Constant;
import dev.overtune.graph.Graph;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.MemberAxis;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

/**
 * The member-axis forward differentiated as a whole (how a member-axis training graph is built): finite differences
 * through every rule MemberAxis emits for a model's loss, with each member's own indices and targets.
 */
class MemberAxisGradientTest {
    private static final int M = 3;

    /** An embedding lookup, a LayerNorm, a weight matmul with bias and a cross-entropy: a language model's loss in small. */
    private static Graph forward() {
        GraphBuilder g = new GraphBuilder("small_loss");
        Value table = g.input("table", DType.F64, Shape.of(6, 4));
        Value gain = g.input("gain", DType.F64, Shape.of(4));
        Value bias = g.input("bias", DType.F64, Shape.of(4));
        Value w = g.input("w", DType.F64, Shape.of(4, 6));
        Value b = g.input("b", DType.F64, Shape.of(6));
        Value ids = g.input("ids", DType.I64, Shape.of(2, 3));
        Value targets = g.input("targets", DType.I64, Shape.of(6));
        Value h = g.layerNorm(g.gather(table, ids), gain, bias, 1e-5);
        Value logits = g.add(g.matmul(g.tanh(h), w), b);
        g.output("nll", g.softmaxCrossEntropy(g.reshape(logits, 6, 6), targets, -100));
        return g.build();
    }

    @Test
    void membersWithTheirOwnIndicesAndTargets() {
        Graph forward = forward();
        GradCheck.f64().input(M, 6, 4).range(0.5, 1.5, M, 4).input(M, 4).input(M, 4, 6).input(M, 6).check((g, x) -> {
            Value ids = g.constant("ids", DType.I64, Shape.of(M, 2, 3), new Constant.Longs(new long[] {
                    0, 5, 2, 2, 5, 5,
                    1, 1, 3, 4, 0, 2,
                    5, 4, 3, 2, 1, 0}));
            Value targets = g.constant("targets", DType.I64, Shape.of(M, 6), new Constant.Longs(new long[] {
                    3, -100, 0, 5, 1, 1,
                    0, 0, 2, -100, 4, 5,
                    5, 4, 3, 2, 1, 0}));
            Map<String, Value> inputs = Map.of("table", x.get(0), "gain", x.get(1), "bias", x.get(2), "w", x.get(3), "b", x.get(4),
                    "ids", ids, "targets", targets);
            return MemberAxis.into(g, forward, M, inputs, inputs.keySet()).get("nll");
        });
    }

    @Test
    void membersSharingOneBatch() {
        Graph forward = forward();
        GradCheck.f64().input(M, 6, 4).input(4).input(M, 4).input(M, 4, 6).input(6).check((g, x) -> {
            Value ids = g.constant("ids", DType.I64, Shape.of(2, 3), new Constant.Longs(new long[] {0, 5, 2, 2, 5, 5}));
            Value targets = g.constant("targets", DType.I64, Shape.of(6), new Constant.Longs(new long[] {3, -100, 0, 5, 1, 1}));
            Map<String, Value> inputs = Map.of("table", x.get(0), "gain", x.get(1), "bias", x.get(2), "w", x.get(3), "b", x.get(4),
                    "ids", ids, "targets", targets);
            return MemberAxis.into(g, forward, M, inputs, Set.of("table", "bias", "w")).get("nll");
        });
    }
}
