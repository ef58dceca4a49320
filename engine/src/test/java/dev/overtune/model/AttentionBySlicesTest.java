package dev.overtune.model;

import dev.overtune.autodiff.Autodiff;
import dev.overtune.backend.Backend;
import dev.overtune.backend.OrtBackend;
import dev.overtune.graph.Constant;
import dev.overtune.graph.Graph;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Node;
import dev.overtune.graph.Op;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heads sliced out of the fused qkv projection ({@link Layers#causalAttentionBySlices}) compute what the
 * [B, H, T, hd] transposed heads of {@link Layers#causalAttention} compute, forward and backward.
 */
class AttentionBySlicesTest {
    private static final int B = 2;
    private static final int T = 5;
    private static final int H = 3;
    private static final int HD = 4;
    private static final int D = H * HD;

    /** The head layout GPT-2 used before: [B, T, d] slices reshaped and transposed to [B, H, T, hd]. */
    private static Value transposedHeads(GraphBuilder g, Value qkv, Value causal) {
        Value[] qkvHeads = new Value[3];
        for (int i = 0; i < 3; i++) {
            qkvHeads[i] = g.transpose(g.reshape(g.slice(qkv, 2, i * D, (i + 1) * D), B, T, H, HD), 0, 2, 1, 3);
        }
        return Layers.causalAttention(g, qkvHeads[0], qkvHeads[1], qkvHeads[2], causal);
    }

    /** out, and d(sum(out·R))/d(qkv), for each layout. */
    private static double[][] run(boolean slices) {
        GraphBuilder g = new GraphBuilder("attention");
        Value qkv = g.input("qkv", DType.F64, Shape.of(B, T, 3 * D));
        double[] mask = new double[T * T];
        for (int i = 0; i < T; i++) {
            for (int j = i + 1; j < T; j++) {
                mask[i * T + j] = -1e9;
            }
        }
        Value causal = g.constant("mask", DType.F64, Shape.of(T, T), new Constant.Floats(mask));
        Value out = slices ? Layers.causalAttentionBySlices(g, qkv, H, causal) : transposedHeads(g, qkv, causal);
        assertEquals(Shape.of(B, T, D), out.shape());
        double[] r = random(B * T * D, 3);
        Value loss = g.reduceSum(g.mul(out, g.constant("R", DType.F64, out.shape(), new Constant.Floats(r))), false, 0, 1, 2);
        Map<Value, Value> grads = Autodiff.gradients(g, g.nodes(), loss, List.of(qkv));
        g.output("out", out);
        g.output("grad", grads.get(qkv));
        try (Arena arena = Arena.ofConfined(); Backend backend = new OrtBackend(1, OrtBackend.Optimization.NONE);
             Backend.Program program = backend.compile(g.build())) {
            HostTensor in = HostTensor.allocate(arena, DType.F64, qkv.shape());
            double[] x = random((int) in.size(), 11);
            for (int i = 0; i < x.length; i++) {
                in.setDouble(i, x[i]);
            }
            HostTensor o = HostTensor.allocate(arena, DType.F64, out.shape());
            HostTensor d = HostTensor.allocate(arena, DType.F64, qkv.shape());
            try (Backend.Binding binding = program.bind(Map.of("qkv", in), Map.of("out", o, "grad", d))) {
                binding.run();
            }
            return new double[][] {doubles(o), doubles(d)};
        }
    }

    @Test
    void slicedHeadsMatchTransposedHeadsForwardAndBackward() {
        double[][] sliced = run(true);
        double[][] transposed = run(false);
        for (int k = 0; k < 2; k++) {
            double worst = 0;
            double scale = 0;
            for (int i = 0; i < sliced[k].length; i++) {
                worst = Math.max(worst, Math.abs(sliced[k][i] - transposed[k][i]));
                scale = Math.max(scale, Math.abs(transposed[k][i]));
            }
            assertTrue(scale > 1e-3, "the compared values are not all zero");
            assertTrue(worst <= 1e-12 * scale, (k == 0 ? "output" : "gradient") + " differs by " + worst + " (scale " + scale + ")");
        }
    }

    @Test
    void smallPresetAttendsWithoutTransposingHeads() {
        Graph train = TrainingGraphs.train(ModelConfigs.resolve("small"), 8, 256);
        for (Node n : train.nodes()) {
            assertFalse(n.op() instanceof Op.Transpose && n.input(0).shape().rank() == 4, "a head transpose is left: " + n);
        }
        // The tiny models of a scan keep the transposed heads: there, the nodes per head would cost more.
        assertFalse(Layers.attendHeadBySlices(8, 64, 8));
        assertTrue(Layers.attendHeadBySlices(8, 256, 64));
    }

    private static double[] random(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextDouble(-1, 1);
        }
        return v;
    }

    private static double[] doubles(HostTensor t) {
        double[] v = new double[(int) t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getDouble(i);
        }
        return v;
    }
}
