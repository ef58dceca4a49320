package dev.overtune.cuda.exec;

import dev.overtune.backend.Backend;
import dev.overtune.backend.OrtBackend;
import dev.overtune.graph.Graph;
import dev.overtune.tensor.HostTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The engine's reference fixtures (one per model family: weights, a batch) through the real train
 * and eval graphs, once with ONNX Runtime and once as the CUDA execution plan executed on this CPU
 * (generated kernels compiled as host code, reference cuBLAS): loss, logits, log-likelihoods and
 * every gradient must agree to float tolerance.
 */
class HostExecutionModelTest {
    static final Path FIXTURES = Fixture.ROOT;
    /** max |host - ORT| / max |ORT| per output; float32 on both sides, different summation orders. */
    static final double TOLERANCE = 1e-4;

    @BeforeAll
    static void tools() {
        assumeTrue(HostLibrary.nvcc().isPresent(), "no nvcc (OVERTUNE_NVCC, CUDA_HOME/bin, /usr/local/cuda/bin, PATH): the plans cannot be compiled for the host");
        assumeTrue(Files.isDirectory(FIXTURES), "no reference fixtures at " + FIXTURES.toAbsolutePath());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny", "neox-sequential-tiny", "llama-tiny", "olmo2-tiny", "olmo-tiny", "qwen2-tiny", "mistral-tiny"})
    void trainGraphMatchesOnnxRuntime(String fixture) throws Exception {
        compare(fixture, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny", "neox-sequential-tiny", "llama-tiny", "olmo2-tiny", "olmo-tiny", "qwen2-tiny", "mistral-tiny"})
    void evalGraphMatchesOnnxRuntime(String fixture) throws Exception {
        compare(fixture, false);
    }

    private static void compare(String fixture, boolean train) throws Exception {
        try (Arena arena = Arena.ofConfined(); Fixture f = Fixture.open(fixture, arena)) {
            Graph graph = train ? f.train() : f.eval();
            Map<String, HostTensor> inputs = f.inputs();
            Map<String, HostTensor> expected = Tensors.outputs(graph, arena);
            try (OrtBackend ort = new OrtBackend(2); Backend.Program p = ort.compile(graph); Backend.Binding binding = p.bind(inputs, expected)) {
                binding.run();
            }
            ExecutionPlan plan = GraphLowering.lower(graph);
            Map<String, HostTensor> actual = Tensors.outputs(graph, arena);
            try (HostExecutor host = new HostExecutor(plan, HostLibrary.compile(plan))) {
                host.run(inputs, actual);
            }
            double worst = 0;
            String worstName = "";
            for (String name : graph.outputNames()) {
                double err = Tensors.relativeError(actual.get(name), expected.get(name));
                assertTrue(err < TOLERANCE, fixture + " " + graph.name() + ": output '" + name + "' max relative error " + err);
                if (err >= worst) {
                    worst = err;
                    worstName = name;
                }
            }
            System.out.printf("host plan %s: %d outputs match ONNX Runtime, worst %.2e (%s); %s%n", fixture, graph.outputs().size(), worst,
                    worstName, plan.describe());
        }
    }
}
