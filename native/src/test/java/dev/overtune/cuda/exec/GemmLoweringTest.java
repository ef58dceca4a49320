package dev.overtune.cuda.exec;

import dev.overtune.cuda.driver.Cublas;
import dev.overtune.graph.Graph;
import dev.overtune.graph.GraphBuilder;
import dev.overtune.graph.Value;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** MatMul as cuBLAS calls: the arguments for each layout, then the numbers through the reference GEMM. */
class GemmLoweringTest {
    @Test
    void rowSumsStayFp32InABf16Plan() {
        // autodiff writes bias and LayerNorm gradients as ones[1, rows]·d[rows, n]: summed over thousands of rows,
        // they must not be rounded to bf16 (or TF32) first.
        GraphBuilder g = new GraphBuilder("bias_grad");
        Value d = g.input("d", DType.F32, Shape.of(64, 8));
        g.output("sum", g.matmul(g.onesRow(64, DType.F32), d));
        g.output("product", g.matmul(g.input("x", DType.F32, Shape.of(3, 64)), d));
        ExecutionPlan plan = GraphLowering.lower(g.build(), Cublas.Precision.BF16);
        List<Step.Gemm> gemms = plan.steps().stream().filter(s -> s instanceof Step.Gemm).map(s -> (Step.Gemm) s).toList();
        assertEquals(List.of(Cublas.Precision.FP32, Cublas.Precision.BF16), gemms.stream().map(Step.Gemm::precision).toList());
        assertEquals(2, plan.kernelFunctions().size(), "one cast pair, for the product only");
        List<Cublas.Precision> tf32 = GraphLowering.lower(g.build(), Cublas.Precision.TF32).steps().stream()
                .map(s -> ((Step.Gemm) s).precision()).toList();
        assertEquals(List.of(Cublas.Precision.FP32, Cublas.Precision.TF32), tf32);
    }

    @Test
    void aTwoDimensionalRightOperandFoldsTheBatchIntoM() {
        List<GemmCall> calls = GemmLowering.calls(Shape.of(4, 8, 16), false, Shape.of(16, 32), false);
        // Row-major [32 rows of 8·4, 16] · [16, 32] is column-major (32×16)·(16×32): m = N = 32, n = 4·8.
        assertEquals(List.of(new GemmCall(false, false, 32, 32, 16, 32, 0, 0, 16, 0, 0, 32, 0, 0, 1)), calls);
    }

    @Test
    void equalBatchesAreOneStridedBatchedCall() {
        List<GemmCall> calls = GemmLowering.calls(Shape.of(2, 3, 8, 16), false, Shape.of(2, 3, 16, 5), false);
        assertEquals(List.of(new GemmCall(false, false, 5, 8, 16, 5, 0, 16 * 5, 16, 0, 8 * 16, 5, 0, 8 * 5, 6)), calls);
    }

    @Test
    void aBroadcastLeftOperandHasStrideZero() {
        List<GemmCall> calls = GemmLowering.calls(Shape.of(8, 16), false, Shape.of(3, 16, 5), false);
        assertEquals(List.of(new GemmCall(false, false, 5, 8, 16, 5, 0, 16 * 5, 16, 0, 0, 5, 0, 8 * 5, 3)), calls);
    }

    @Test
    void partlyBroadcastBatchesLoopOverTheLeadingAxes() {
        // Grouped-query attention's shape: queries [B, KV, G, T, d] against keys [B, KV, 1, d, T].
        List<GemmCall> calls = GemmLowering.calls(Shape.of(2, 2, 3, 4, 8), false, Shape.of(2, 2, 1, 8, 4), false);
        assertEquals(4, calls.size(), calls.toString());
        for (int o = 0; o < 4; o++) {
            GemmCall c = calls.get(o);
            assertEquals(3, c.batch());
            assertEquals(0, c.strideA(), "keys broadcast over the group axis");
            assertEquals(4 * 8, c.strideB());
            assertEquals(o * 8 * 4, c.offsetA());
            assertEquals(o * 3 * 4 * 8, c.offsetB());
            assertEquals(o * 3 * 4 * 4, c.offsetC());
        }
    }

    @Test
    void storedTransposedOperandsAreOpT() {
        // A stored as [4, 16, 8] (read as its transpose [4, 8, 16]); B stored [5, 16] (read as [16, 5]).
        List<GemmCall> calls = GemmLowering.calls(Shape.of(4, 8, 16), true, Shape.of(16, 5), true);
        assertEquals(List.of(new GemmCall(true, true, 5, 8, 16, 16, 0, 0, 8, 0, 8 * 16, 5, 0, 8 * 5, 4)), calls);
    }

    @Test
    void aTransposeFeedingOnlyMatMulsIsFoldedAway() {
        GraphBuilder g = new GraphBuilder("linear");
        Value x = g.input("x", DType.F32, Shape.of(2, 3, 4));
        Value w = g.input("w", DType.F32, Shape.of(5, 4));
        g.output("y", g.matmul(x, g.transpose(w, 1, 0)));
        ExecutionPlan plan = GraphLowering.lower(g.build());
        assertEquals(1, plan.steps().size(), plan.steps().toString());
        Step.Gemm gemm = assertInstanceOf(Step.Gemm.class, plan.steps().getFirst());
        assertTrue(gemm.call().transA(), "the weight is read transposed");
        assertEquals(new Slot.Input(1), gemm.a());
        assertEquals(new Slot.Input(0), gemm.b());
    }

    @Test
    void aBf16PlanCastsBothOperandsBeforeEveryGemm() {
        GraphBuilder g = new GraphBuilder("linear_bf16");
        Value x = g.input("x", DType.F32, Shape.of(2, 3, 4));
        Value w = g.input("w", DType.F32, Shape.of(5, 4));
        Value q = g.input("q", DType.F32, Shape.of(2, 2, 3, 4, 8));
        Value k = g.input("k", DType.F32, Shape.of(2, 2, 1, 4, 8));
        g.output("y", g.matmul(x, g.transpose(w, 1, 0)));
        g.output("scores", g.matmul(q, g.transpose(k, 0, 1, 2, 4, 3)));
        ExecutionPlan plan = GraphLowering.lower(g.build(), Cublas.Precision.BF16);
        Map<String, List<Step>> byNode = new LinkedHashMap<>();
        plan.steps().forEach(s -> byNode.computeIfAbsent(s.node(), n -> new ArrayList<>()).add(s));
        assertEquals(2, byNode.size(), plan.steps().toString());
        List<Slot[]> operands = List.of(new Slot[] {new Slot.Input(0), new Slot.Input(1)}, new Slot[] {new Slot.Input(2), new Slot.Input(3)});
        int m = 0;
        for (List<Step> steps : byNode.values()) {
            Step.Kernel left = assertInstanceOf(Step.Kernel.class, steps.get(0));
            Step.Kernel right = assertInstanceOf(Step.Kernel.class, steps.get(1));
            assertTrue(left.function().endsWith("_bf16_left") && right.function().endsWith("_bf16_right"), steps.toString());
            assertNotEquals(left.args().get(0), right.args().get(0), "each operand has its own bf16 copy");
            assertEquals(operands.get(m)[0], left.args().get(1), "the left cast reads the left operand's storage");
            assertEquals(operands.get(m)[1], right.args().get(1), "the right cast reads the right operand's storage (a folded transpose's input)");
            List<Step> gemms = steps.subList(2, steps.size());
            assertTrue(!gemms.isEmpty());
            for (Step s : gemms) {
                Step.Gemm gemm = assertInstanceOf(Step.Gemm.class, s, "after the cast pair, only GEMMs");
                assertEquals(Cublas.Precision.BF16, gemm.precision());
                assertEquals(right.args().get(0), gemm.a(), "cuBLAS's A is the right operand's bf16 copy");
                assertEquals(left.args().get(0), gemm.b(), "cuBLAS's B is the left operand's bf16 copy");
            }
            m++;
        }
        assertEquals(4, plan.kernelFunctions().size(), "one cast pair per MatMul");
        assertTrue(plan.source().contains("ot_f32_to_bf16(float x)"), "the conversion's definition is in the source");

        ExecutionPlan fp32 = GraphLowering.lower(g.build());
        assertEquals(List.of(), fp32.kernelFunctions(), "FP32 plans cast nothing");
        assertTrue(fp32.steps().stream().allMatch(s -> ((Step.Gemm) s).precision() == Cublas.Precision.FP32));
    }

    @Test
    void bf16GemmsAreTheFloatSumsOfTheRoundedOperandsForEveryLayout() throws Exception {
        assumeTrue(HostLibrary.nvcc().isPresent(), "no nvcc: the plans cannot be compiled for the host");
        Graph graph = layouts();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> in = PlanRunner.randomInputs(graph, arena, 5, 1);
            Map<String, HostTensor> bf16 = PlanRunner.host(GraphLowering.lower(graph, Cublas.Precision.BF16), in, arena);
            Map<String, HostTensor> fp32 = PlanRunner.host(graph, in, arena);

            // The FP32 plan on inputs rounded to bf16 in Java multiplies the same values exactly and sums in the same order.
            Map<String, HostTensor> rounded = new LinkedHashMap<>();
            in.forEach((name, t) -> {
                HostTensor r = HostTensor.allocate(arena, t.dtype(), t.shape());
                for (long i = 0; i < t.size(); i++) {
                    r.setFloat(i, Bf16Reference.round(t.getFloat(i)));
                }
                rounded.put(name, r);
            });
            Map<String, HostTensor> ofRounded = PlanRunner.host(graph, rounded, arena);
            for (String name : graph.outputNames()) {
                if (name.equals("linear_and_transpose")) {
                    continue; // its ReduceSum reads w unrounded in the BF16 plan: only GEMM operands are cast
                }
                assertEquals(-1, bf16.get(name).segment().mismatch(ofRounded.get(name).segment()), name + ": bit for bit");
                assertTrue(Tensors.relativeError(bf16.get(name), fp32.get(name)) > 1e-4, name + ": the BF16 plan must not compute in FP32");
                assertTrue(Tensors.relativeError(bf16.get(name), fp32.get(name)) < 2e-2, name + ": " + Tensors.relativeError(bf16.get(name), fp32.get(name)));
            }

            // One product by hand: y[b, i, j] = Σ_c bf16(x[b, i, c]) · bf16(w[j, c]), summed over c in order.
            float[] byHand = linearByHand(in.get("x"), in.get("w"), Bf16Reference::round);
            HostTensor y = bf16.get("linear");
            for (int k = 0; k < byHand.length; k++) {
                assertEquals(Float.floatToRawIntBits(byHand[k]), Float.floatToRawIntBits(y.getFloat(k)), "y at " + k);
            }
        }
    }

    /** MatMuls in every layout the lowering knows: folded transposes either side, broadcast and partly broadcast batches. */
    private static Graph layouts() {
        GraphBuilder g = new GraphBuilder("matmuls");
        Value x = g.input("x", DType.F32, Shape.of(2, 3, 4));
        Value w = g.input("w", DType.F32, Shape.of(5, 4));
        Value q = g.input("q", DType.F32, Shape.of(2, 2, 3, 4, 8));
        Value k = g.input("k", DType.F32, Shape.of(2, 2, 1, 4, 8));
        Value p = g.input("p", DType.F32, Shape.of(2, 1, 3, 4));
        Value r = g.input("r", DType.F32, Shape.of(1, 2, 4, 6));
        Value t = g.input("t", DType.F32, Shape.of(2, 4, 3));
        g.output("linear", g.matmul(x, g.transpose(w, 1, 0)));
        g.output("linear_and_transpose", g.add(g.matmul(x, g.transpose(w, 1, 0)), g.reduceSum(g.transpose(w, 1, 0), false, 0)));
        g.output("scores", g.matmul(q, g.transpose(k, 0, 1, 2, 4, 3)));
        g.output("grad_shape", g.matmul(g.transpose(q, 0, 1, 2, 4, 3), q));
        g.output("mixed", g.matmul(p, r));
        g.output("both_transposed", g.matmul(g.transpose(t, 0, 2, 1), g.transpose(x, 0, 2, 1)));
        g.output("broadcast_left", g.matmul(g.slice(x, 0, 0, 1), t));
        return g.build();
    }

    @Test
    void everyLayoutComputesTheProductOnTheHost() throws Exception {
        assumeTrue(HostLibrary.nvcc().isPresent(), "no nvcc: the plans cannot be compiled for the host");
        Graph graph = layouts();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> in = PlanRunner.randomInputs(graph, arena, 3, 1);
            Map<String, Double> errors = PlanRunner.errors(graph, in, arena);
            errors.forEach((name, err) -> assertTrue(err < 1e-5, name + ": relative error " + err));

            // One product by hand: y[b, i, j] = Σ_c x[b, i, c] · w[j, c].
            float[] byHand = linearByHand(in.get("x"), in.get("w"), v -> v);
            HostTensor y = PlanRunner.host(graph, in, arena).get("linear");
            for (int k = 0; k < byHand.length; k++) {
                assertEquals(byHand[k], y.getFloat(k), 1e-6f, "y at " + k);
            }
        }
    }

    /** y[b, i, j] = Σ_c r(x[b, i, c]) · r(w[j, c]) in order, for x [2, 3, 4] and w [5, 4]; r rounds the operands. */
    private static float[] linearByHand(HostTensor xs, HostTensor ws, UnaryOperator<Float> r) {
        float[] y = new float[2 * 3 * 5];
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 5; j++) {
                    float acc = 0;
                    for (int c = 0; c < 4; c++) {
                        acc += r.apply(xs.getFloat(b * 12 + i * 4 + c)) * r.apply(ws.getFloat(j * 4 + c));
                    }
                    y[b * 15 + i * 5 + j] = acc;
                }
            }
        }
        return y;
    }
}
