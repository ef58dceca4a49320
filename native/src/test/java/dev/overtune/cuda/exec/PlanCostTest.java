package dev.overtune.cuda.exec;

import dev.overtune.cuda.driver.Cublas;
import dev.overtune.graph.Graph;
import dev.overtune.model.Gpt2;
import dev.overtune.model.Gpt2Config;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.TrainingGraphs;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GPT-2-124M train step (batch 8, context 1024) lowered, never run: its cost report, GEMM FLOPs
 * equal to the model's analytic count, and no generated launch that moves its bytes many times
 * over or leaves a thread looping long (the two ways a kernel stops scaling: work super-linear in
 * its data, or too little parallelism).
 */
class PlanCostTest {
    static final int BATCH = 8;
    static final int CONTEXT = 1024;
    /** Bytes moved over bytes touched: softmax reads its input three times and writes once, 2 passes. */
    static final double MAX_PASSES = 4;
    /** The longest per-thread loop: 50257-wide rows per thread or 8192-row bias sums per thread fail it. */
    static final long MAX_TRIPS = 1024;

    @Test
    void gpt2SmallTrainStepScales() {
        Gpt2 model = (Gpt2) ModelConfigs.PRESETS.get("gpt2-124m");
        Graph graph = TrainingGraphs.train(model, BATCH, CONTEXT);
        ExecutionPlan plan = GraphLowering.lower(graph);
        System.out.println(plan.costReport(12));

        Gpt2Config c = model.config();
        long tokens = (long) BATCH * CONTEXT;
        long d = c.nEmbd();
        // Linear layers (qkv 3d², out d², MLP 8d²) and the tied LM head: forward, input gradient, weight gradient.
        long linear = 6L * tokens * (12L * d * d * c.nLayer() + (long) c.vocabSize() * d);
        // QKᵀ and attention·V over the full context, forward and both gradients.
        long attention = 12L * tokens * CONTEXT * d * c.nLayer();
        // Sums over leading axes are ones[1, rows]·d[rows, n] GEMMs: bias and LayerNorm gradients (13d per layer,
        // 2d for the final LayerNorm) over every token, and the position embedding's gradient over the batch.
        long sums = 2L * tokens * (13L * d * c.nLayer() + 2L * d) + 2L * BATCH * CONTEXT * d;
        assertEquals(linear + attention + sums, plan.gemmFlops(), "GEMM FLOPs of the 124M train step");

        List<Step.Kernel> kernels = plan.steps().stream().filter(s -> s instanceof Step.Kernel).map(s -> (Step.Kernel) s).toList();
        for (Step.Kernel k : kernels) {
            String what = k.function() + " (" + CostReport.kind(plan, k) + ", node " + k.node() + ")";
            assertTrue(k.cost().passes() <= MAX_PASSES, what + " moves " + k.cost().bytes() + " bytes over " + k.cost().footprint());
            assertTrue(k.cost().trips() <= MAX_TRIPS, what + " loops " + k.cost().trips() + " times per thread");
        }
        assertTrue(kernels.stream().anyMatch(k -> k.function().endsWith("_sort")), "the embedding gradient is sorted");
    }

    @Test
    void gpt2SmallBf16StepCastsEachGemmsOperandsOnce() {
        Graph graph = TrainingGraphs.train(ModelConfigs.PRESETS.get("gpt2-124m"), BATCH, CONTEXT);
        ExecutionPlan fp32 = GraphLowering.lower(graph);
        ExecutionPlan bf16 = GraphLowering.lower(graph, Cublas.Precision.BF16);
        System.out.println(bf16.costReport(4));
        assertEquals(fp32.gemmFlops(), bf16.gemmFlops());
        // ones·d row sums (bias and LayerNorm gradients) stay FP32 and are not cast.
        long matmuls = bf16.steps().stream().filter(s -> s instanceof Step.Gemm g && g.precision() == Cublas.Precision.BF16)
                .map(Step::node).distinct().count();
        List<Step.Kernel> casts = bf16.steps().stream().filter(s -> s instanceof Step.Kernel k && k.function().contains("_bf16_"))
                .map(s -> (Step.Kernel) s).toList();
        assertEquals(2 * matmuls, casts.size());
        for (Step.Kernel k : casts) {
            assertTrue(k.cost().passes() <= MAX_PASSES && k.cost().trips() <= MAX_TRIPS, k.function());
        }
        assertEquals(fp32.steps().size() + casts.size(), bf16.steps().size());
    }
}
