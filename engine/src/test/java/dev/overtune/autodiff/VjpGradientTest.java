package dev.overtune.autodiff;

import dev.overtune.graph.Constant;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

/** One finite-difference check per op's vector-Jacobian product. */
class VjpGradientTest {
    @Test void add() { GradCheck.f64().input(3, 4).input(4).check((g, x) -> g.add(x.get(0), x.get(1))); }
    @Test void addBroadcastBothWays() { GradCheck.f64().input(3, 1).input(1, 4).check((g, x) -> g.add(x.get(0), x.get(1))); }
    @Test void sub() { GradCheck.f64().input(2, 3, 4).input(3, 1).check((g, x) -> g.sub(x.get(0), x.get(1))); }
    @Test void mul() { GradCheck.f64().input(2, 3).input(2, 3).check((g, x) -> g.mul(x.get(0), x.get(1))); }
    @Test void mulBroadcast() { GradCheck.f64().input(2, 3, 4).input(4).check((g, x) -> g.mul(x.get(0), x.get(1))); }
    @Test void div() { GradCheck.f64().input(2, 3).range(0.5, 2.0, 2, 3).check((g, x) -> g.div(x.get(0), x.get(1))); }
    @Test void neg() { GradCheck.f64().input(5).check((g, x) -> g.neg(x.get(0))); }
    @Test void exp() { GradCheck.f64().input(2, 5).check((g, x) -> g.exp(x.get(0))); }
    @Test void log() { GradCheck.f64().range(0.2, 3.0, 2, 5).check((g, x) -> g.log(x.get(0))); }
    @Test void sqrt() { GradCheck.f64().range(0.2, 3.0, 2, 5).check((g, x) -> g.sqrt(x.get(0))); }
    @Test void tanh() { GradCheck.f64().range(-2, 2, 2, 5).check((g, x) -> g.tanh(x.get(0))); }
    @Test void geluTanh() { GradCheck.f64().range(-3, 3, 2, 7).check((g, x) -> g.gelu(x.get(0), true)); }
    @Test void geluErf() { GradCheck.f32().range(-3, 3, 2, 7).check((g, x) -> g.gelu(x.get(0), false)); }

    @Test void addAtTargets() {
        GradCheck.f64().input(4, 5).input(4).check((g, x) -> {
            Value t = g.constant("targets", DType.I64, Shape.of(4), new Constant.Longs(new long[] {3, -100, 0, 3}));
            return g.addAtTargets(x.get(0), t, x.get(1), -100);
        });
    }

    @Test void slicesTilingAnAxisJoinTheirGradients() {
        GradCheck.f64().input(2, 9).check((g, x) -> g.mul(g.mul(g.slice(x.get(0), 1, 0, 3), g.slice(x.get(0), 1, 3, 6)), g.slice(x.get(0), 1, 6, 9)));
    }

    @Test void overlappingSlicesAndOtherUsesSum() {
        GradCheck.f64().input(2, 6).check((g, x) -> g.add(g.mul(g.slice(x.get(0), 1, 0, 4), g.slice(x.get(0), 1, 2, 6)),
                g.reduceSum(g.tanh(x.get(0)), true, 1)));
    }

    @Test void erf() { GradCheck.f32().range(-2, 2, 2, 5).check((g, x) -> g.erf(x.get(0))); }

    @Test void where() {
        GradCheck.f64().input(3, 4).input(3, 4).check((g, x) -> {
            boolean[] mask = new boolean[12];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = i % 3 != 0;
            }
            Value cond = g.constant("mask", DType.BOOL, Shape.of(3, 4), new Constant.Bools(mask));
            return g.where(cond, x.get(0), x.get(1));
        });
    }

    @Test void matmul2d() { GradCheck.f64().input(3, 4).input(4, 5).check((g, x) -> g.matmul(x.get(0), x.get(1))); }
    @Test void matmulWeightOnBatch() { GradCheck.f64().input(2, 3, 4).input(4, 5).check((g, x) -> g.matmul(x.get(0), x.get(1))); }
    @Test void matmulBatched() { GradCheck.f64().input(2, 2, 3, 4).input(2, 2, 4, 3).check((g, x) -> g.matmul(x.get(0), x.get(1))); }
    /** a·xᵀ with x laid out as it is (a head sliced from the fused projection): the (dyᵀ·a)ᵀ rule. */
    @Test void matmulWithTransposedOperand() {
        GradCheck.f64().input(2, 3, 4).input(2, 5, 4).check((g, x) -> g.matmul(x.get(0), g.transpose(x.get(1), 0, 2, 1)));
    }

    /** The same through a slice of a wider value, as the sliced attention heads are, with the value read twice. */
    @Test void matmulWithTransposedSlice() {
        GradCheck.f64().input(2, 3, 4).input(2, 5, 8).check((g, x) -> {
            Value k = g.slice(x.get(1), 2, 4, 8);
            return g.add(g.matmul(x.get(0), g.transpose(k, 0, 2, 1)), g.transpose(g.slice(x.get(1), 2, 0, 3), 0, 2, 1));
        });
    }

    @Test void matmulBroadcastBatch() { GradCheck.f64().input(2, 3, 4).input(1, 4, 2).check((g, x) -> g.matmul(x.get(0), x.get(1))); }

    @Test void reduceSum() { GradCheck.f64().input(2, 3, 4).check((g, x) -> g.reduceSum(x.get(0), false, 1)); }
    @Test void reduceSumKeep() { GradCheck.f64().input(2, 3, 4).check((g, x) -> g.reduceSum(x.get(0), true, 0, 2)); }
    @Test void reduceMean() { GradCheck.f64().input(2, 3, 4).check((g, x) -> g.reduceMean(x.get(0), false, -1)); }
    @Test void reduceMax() { GradCheck.f64().input(3, 5).check((g, x) -> g.reduceMax(x.get(0), false, 1)); }
    @Test void softmax() { GradCheck.f64().range(-3, 3, 2, 3, 5).check((g, x) -> g.softmax(x.get(0), -1)); }
    @Test void softmaxMiddleAxis() { GradCheck.f64().range(-3, 3, 2, 3, 5).check((g, x) -> g.softmax(x.get(0), 1)); }
    @Test void logSoftmax() { GradCheck.f64().range(-3, 3, 4, 6).check((g, x) -> g.logSoftmax(x.get(0), 1)); }
    @Test void layerNorm() { GradCheck.f64().input(2, 3, 8).range(0.5, 1.5, 8).input(8).check((g, x) -> g.layerNorm(x.get(0), x.get(1), x.get(2), 1e-5)); }

    @Test void gather() {
        GradCheck.f64().input(6, 4).check((g, x) -> {
            Value ids = g.constant("ids", DType.I64, Shape.of(2, 3), new Constant.Longs(new long[] {0, 5, 2, 2, 5, 5}));
            return g.gather(x.get(0), ids);
        });
    }

    @Test void scatterAddRows() {
        GradCheck.f64().input(2, 3, 4).check((g, x) -> {
            Value ids = g.constant("ids", DType.I64, Shape.of(2, 3), new Constant.Longs(new long[] {0, 5, 2, 2, 5, 5}));
            return g.scatterAddRows(ids, x.get(0), 6);
        });
    }

    @Test void softmaxCrossEntropyWithIgnoredTarget() {
        GradCheck.f64().range(-3, 3, 4, 7).check((g, x) -> {
            Value t = g.constant("targets", DType.I64, Shape.of(4), new Constant.Longs(new long[] {3, -100, 0, 6}));
            return g.softmaxCrossEntropy(x.get(0), t, -100);
        });
    }

    @Test void reshape() { GradCheck.f64().input(2, 6).check((g, x) -> g.mul(g.reshape(x.get(0), 3, 4), g.reshape(x.get(0), 3, 4))); }
    @Test void transpose() { GradCheck.f64().input(2, 3, 4).check((g, x) -> g.transpose(x.get(0), 2, 0, 1)); }
    @Test void slice() { GradCheck.f64().input(3, 7).check((g, x) -> g.slice(x.get(0), 1, 2, 5)); }
    @Test void pad() { GradCheck.f64().input(3, 4).check((g, x) -> g.pad(x.get(0), 0, 1, 2)); }
    @Test void concat() { GradCheck.f64().input(2, 3).input(2, 2).check((g, x) -> g.concat(1, x.get(0), x.get(1))); }
    @Test void expand() { GradCheck.f64().input(3, 1).check((g, x) -> g.expand(x.get(0), Shape.of(2, 3, 4))); }
    @Test void cast() { GradCheck.f32().input(2, 3).check((g, x) -> g.cast(g.mul(g.cast(x.get(0), DType.F64), g.cast(x.get(0), DType.F64)), DType.F32)); }

    @Test void valueUsedTwiceAccumulates() {
        GradCheck.f64().input(3, 3).check((g, x) -> g.matmul(x.get(0), g.tanh(x.get(0))));
    }
}
