package dev.overtune.cuda.exec;

import dev.overtune.graph.Constant;
import dev.overtune.graph.Graph;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every op the generated kernels implement, on shapes that exercise broadcasting and non-last
 * axes, executed on the host against ONNX Runtime; plus broadcasting checked element by element
 * against numpy's rule written out in Java.
 */
class NodeKernelTest {
    static final double TOLERANCE = 1e-5;

    @BeforeAll
    static void nvcc() {
        assumeTrue(HostLibrary.nvcc().isPresent(), "no nvcc: the plans cannot be compiled for the host");
    }

    @Test
    void broadcastingFollowsNumpy() throws Exception {
        GraphBuilder g = new GraphBuilder("broadcast");
        Value x = g.input("x", DType.F32, Shape.of(2, 3, 4));
        Value col = g.input("col", DType.F32, Shape.of(3, 1));
        Value row = g.input("row", DType.F32, Shape.of(4));
        Value lead = g.input("lead", DType.F32, Shape.of(2, 1, 1));
        g.output("sum", g.add(g.sub(x, col), g.mul(row, lead)));
        g.output("outer", g.div(col, g.add(g.mul(row, row), 1.0)));
        Graph graph = g.build();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> in = PlanRunner.randomInputs(graph, arena, 1, 1);
            Map<String, HostTensor> out = PlanRunner.host(graph, in, arena);
            HostTensor sum = out.get("sum");
            HostTensor outer = out.get("outer");
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 3; b++) {
                    for (int c = 0; c < 4; c++) {
                        float expected = (in.get("x").getFloat(a * 12 + b * 4 + c) - in.get("col").getFloat(b))
                                + in.get("row").getFloat(c) * in.get("lead").getFloat(a);
                        assertEquals(expected, sum.getFloat(a * 12 + b * 4 + c), 0f, "sum at " + a + "," + b + "," + c);
                    }
                }
            }
            assertEquals(Shape.of(3, 4), outer.shape());
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 4; c++) {
                    float r = in.get("row").getFloat(c);
                    assertEquals(in.get("col").getFloat(b) / (r * r + 1f), outer.getFloat(b * 4 + c), 0f, "outer at " + b + "," + c);
                }
            }
            Map<String, Double> errors = PlanRunner.errors(graph, in, arena);
            errors.forEach((name, err) -> assertTrue(err < TOLERANCE, name + ": " + err));
        }
    }

    @Test
    void everyOpMatchesOnnxRuntime() throws Exception {
        GraphBuilder g = new GraphBuilder("every_op");
        Value x = g.input("x", DType.F32, Shape.of(2, 3, 4));
        Value y = g.input("y", DType.F32, Shape.of(3, 1));
        Value flag = g.input("flag", DType.BOOL, Shape.of(3, 1));
        Value ids = g.input("ids", DType.I64, Shape.of(2, 3));
        Value table = g.input("table", DType.F32, Shape.of(5, 4));
        Value logits = g.input("logits", DType.F32, Shape.of(6, 5));
        Value scale = g.input("scale", DType.F32, Shape.of(4));
        Value bias = g.input("bias", DType.F32, Shape.of(4));
        Value ignore = g.constant("ignore", DType.I64, Shape.of(6), new Constant.Longs(new long[] {1, -100, 4, 0, -100, 2}));

        g.output("add", g.add(x, y));
        g.output("sub", g.sub(y, x));
        g.output("mul", g.mul(x, 0.25));
        g.output("div", g.div(x, g.add(g.mul(y, y), 1.0)));
        g.output("neg", g.neg(x));
        g.output("exp", g.exp(x));
        g.output("log", g.log(g.exp(x)));
        g.output("sqrt", g.sqrt(g.exp(x)));
        g.output("tanh", g.tanh(x));
        g.output("erf", g.erf(x));
        g.output("gelu_tanh", g.gelu(x, true));
        g.output("gelu_erf", g.gelu(x, false));
        g.output("where", g.where(flag, x, g.neg(x)));
        g.output("equal", g.equal(ids, g.constant("one", DType.I64, Shape.scalar(), new Constant.Longs(new long[] {1}))));
        g.output("cast_bool", g.cast(flag, DType.F32));
        g.output("cast_ids", g.cast(ids, DType.F32));
        g.output("sum_02", g.reduceSum(x, false, 0, 2));
        g.output("sum_1_keep", g.reduceSum(x, true, 1));
        g.output("mean_2", g.reduceMean(x, false, 2));
        g.output("max_01_keep", g.reduceMax(x, true, 0, 1));
        g.output("softmax_1", g.softmax(x, 1));
        g.output("softmax_last", g.softmax(x, -1));
        g.output("log_softmax_0", g.logSoftmax(x, 0));
        g.output("layer_norm", g.layerNorm(x, scale, bias, 1e-5));
        g.output("gather", g.gather(table, ids));
        g.output("scatter", g.scatterAddRows(ids, g.gather(table, ids), 5));
        g.output("add_at_targets", g.addAtTargets(logits, ignore, g.reduceSum(logits, false, 1), -100));
        g.output("one_hot", g.oneHot(ids, 5, DType.F32));
        g.output("cross_entropy", g.softmaxCrossEntropy(logits, ignore, -100));
        g.output("transpose", g.transpose(x, 2, 0, 1));
        g.output("slice", g.slice(x, 1, 1, 3));
        g.output("pad", g.pad(x, 2, 1, 2));
        g.output("concat", g.concat(1, x, g.slice(x, 1, 0, 1), x));
        g.output("expand", g.expand(y, Shape.of(2, 3, 4)));
        g.output("zeros", g.add(g.zeros(Shape.of(2, 3, 4), DType.F32), x));
        g.output("reshape", g.reshape(g.exp(x), 6, 4));
        g.output("input_itself", x);
        g.output("reshaped_input", g.reshape(x, 24));
        Graph graph = g.build();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> in = PlanRunner.randomInputs(graph, arena, 7, 5);
            Map<String, Double> errors = PlanRunner.errors(graph, in, arena);
            assertEquals(graph.outputs().size(), errors.size());
            errors.forEach((name, err) -> assertTrue(err < TOLERANCE, name + ": relative error " + err));
            System.out.println("host plan: " + errors.size() + " outputs of every op match ONNX Runtime; worst "
                    + errors.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow());
        }
    }
}
