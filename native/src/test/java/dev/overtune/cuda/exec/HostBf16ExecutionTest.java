package dev.overtune.cuda.exec;

import dev.overtune.backend.Backend;
import dev.overtune.backend.OrtBackend;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.graph.Graph;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.HostTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The reference fixtures' train graphs as BF16 plans (bf16 GEMM operands, FP32 accumulation, all
 * else FP32) executed on this CPU, two ways:
 * <ul>
 * <li>step by step against Java ({@link Bf16StepCheck}): every cast is the nearest bf16 of its
 * source and every GEMM's output is, bit for bit, the float sum of the bf16 products, so a wrong
 * rounding or a GEMM reading the wrong copy fails here;</li>
 * <li>end to end against ONNX Runtime in FP32, within what bf16 operands cost. A bf16 operand
 * carries 8 significant bits, relative error at most 2⁻⁹ ≈ 2·10⁻³, so a product is off by up to
 * about 4·10⁻³ relative; over a sum of k products with mixed signs the errors partly cancel, and
 * through the forward and backward chain of GEMMs they accumulate. The mean loss is an average of
 * many per-token losses, so its error averages down: within 1e-2 relative. Each gradient, compared
 * norm-wise (‖g − g_ref‖₂ / ‖g_ref‖₂, robust to the near-zero entries an element-wise bound would
 * trip on), within 5e-2: an order above the per-product error to leave room for the chain, and
 * far below what a missing or misplaced operand gives (order 1).</li>
 * </ul>
 * On the device cuBLAS sums in another order than the host's reference GEMM (tiles, split k), so
 * the device matches the Java check to float rounding of the sums, not bit for bit; the operands,
 * and so the bound against ONNX Runtime, are the same.
 */
class HostBf16ExecutionTest {
    static final double LOSS_TOLERANCE = 1e-2;
    static final double GRADIENT_TOLERANCE = 5e-2;

    @BeforeAll
    static void tools() {
        assumeTrue(HostLibrary.nvcc().isPresent(), "no nvcc (OVERTUNE_NVCC, CUDA_HOME/bin, /usr/local/cuda/bin, PATH): the plans cannot be compiled for the host");
        assumeTrue(Files.isDirectory(Fixture.ROOT), "no reference fixtures at " + Fixture.ROOT.toAbsolutePath());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny", "neox-sequential-tiny", "llama-tiny", "olmo2-tiny", "olmo-tiny", "qwen2-tiny", "mistral-tiny"})
    void trainGraphInBf16(String fixture) throws Exception {
        try (Arena arena = Arena.ofConfined(); Fixture f = Fixture.open(fixture, arena)) {
            Graph graph = f.train();
            Map<String, HostTensor> inputs = f.inputs();
            Map<String, HostTensor> expected = Tensors.outputs(graph, arena);
            try (OrtBackend ort = new OrtBackend(2); Backend.Program p = ort.compile(graph); Backend.Binding binding = p.bind(inputs, expected)) {
                binding.run();
            }
            ExecutionPlan plan = GraphLowering.lower(graph, Cublas.Precision.BF16);
            Map<String, HostTensor> actual = Tensors.outputs(graph, arena);
            Bf16StepCheck check = new Bf16StepCheck();
            try (HostExecutor host = new HostExecutor(plan, HostLibrary.compile(plan))) {
                host.run(inputs, actual, check);
            }
            long matmuls = plan.steps().stream().filter(s -> s instanceof Step.Gemm g && g.precision() == Cublas.Precision.BF16)
                    .map(Step::node).distinct().count();
            assertTrue(matmuls > 0, fixture + ": no BF16 GEMM in the plan");
            assertEquals(2 * matmuls, check.casts, fixture + ": one cast per operand of every BF16 MatMul");
            assertEquals(plan.steps().stream().filter(s -> s instanceof Step.Gemm g && g.precision() == Cublas.Precision.BF16).count(), check.gemms);
            // OLMo-1 has no biases and no norm weights, so no such row sums at all.
            boolean vectorParams = f.model().params().stream().anyMatch(p -> p.shape().rank() == 1);
            assertEquals(vectorParams, check.rowSums > 0, fixture + ": the bias and LayerNorm gradients' row sums stay FP32");

            double lossError = Math.abs(actual.get(TrainingGraphs.LOSS).getDouble(0) - expected.get(TrainingGraphs.LOSS).getDouble(0))
                    / Math.abs(expected.get(TrainingGraphs.LOSS).getDouble(0));
            assertTrue(lossError < LOSS_TOLERANCE, fixture + ": loss relative error " + lossError);
            double worst = 0;
            String worstName = "";
            for (String name : graph.outputNames()) {
                if (!name.startsWith(TrainingGraphs.GRAD_PREFIX)) {
                    continue;
                }
                double err = normwiseError(actual.get(name), expected.get(name));
                assertTrue(err < GRADIENT_TOLERANCE, fixture + ": " + name + " norm-wise relative error " + err);
                if (err >= worst) {
                    worst = err;
                    worstName = name;
                }
            }
            System.out.printf("BF16 host plan %s: %d casts and %d GEMMs (%d outputs) equal the Java bf16 reference; vs ONNX Runtime FP32: "
                    + "loss %.2e relative, worst gradient %.2e norm-wise (%s)%n", fixture, check.casts, check.gemms, check.elements, lossError, worst, worstName);
        }
    }

    /** ‖ours − ref‖₂ / ‖ref‖₂ (NaN anywhere makes it NaN, which no bound accepts). */
    static double normwiseError(HostTensor ours, HostTensor ref) {
        double diff = 0;
        double norm = 0;
        for (long i = 0; i < ref.size(); i++) {
            double d = ours.getDouble(i) - ref.getDouble(i);
            diff += d * d;
            norm += ref.getDouble(i) * ref.getDouble(i);
        }
        return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
    }
}
