package dev.overtune.cuda.exec;

import dev.overtune.backend.Backend;
import dev.overtune.backend.HostTensor;
import dev.overtune.backend.OrtBackend;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.checkpoint.SafetensorsFile;
import dev.overtune.checkpoint.ShardedCheckpoint;
import dev.overtune.graph.Graph;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
    static final Path FIXTURES = Path.of("../engine/src/test/resources/reference");
    /** max |host - ORT| / max |ORT| per output; float32 on both sides, different summation orders. */
    static final double TOLERANCE = 1e-4;

    @BeforeAll
    static void tools() {
        assumeTrue(HostLibrary.nvcc().isPresent(), "no nvcc (OVERTUNE_NVCC, CUDA_HOME/bin, /usr/local/cuda/bin, PATH): the plans cannot be compiled for the host");
        assumeTrue(Files.isDirectory(FIXTURES), "no reference fixtures at " + FIXTURES.toAbsolutePath());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny", "llama-tiny", "olmo2-tiny"})
    void trainGraphMatchesOnnxRuntime(String fixture) throws Exception {
        compare(fixture, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny", "llama-tiny", "olmo2-tiny"})
    void evalGraphMatchesOnnxRuntime(String fixture) throws Exception {
        compare(fixture, false);
    }

    private static void compare(String fixture, boolean train) throws Exception {
        Path dir = FIXTURES.resolve(fixture);
        LanguageModel model = ModelConfigs.load(dir.resolve("config.json"));
        try (Arena arena = Arena.ofConfined(); ShardedCheckpoint weights = ShardedCheckpoint.open(dir);
             SafetensorsFile batch = SafetensorsFile.open(dir.resolve("batch.safetensors"))) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            ModelWeights.load(weights, model, params);
            HostTensor ids = batch.tensor(TrainingGraphs.INPUT_IDS);
            int b = ids.shape().dim(0);
            int t = ids.shape().dim(1);
            Graph graph = train ? TrainingGraphs.train(model, b, t) : TrainingGraphs.eval(model, b, t);
            Map<String, HostTensor> inputs = new LinkedHashMap<>(params.tensors());
            inputs.put(TrainingGraphs.INPUT_IDS, ids);
            inputs.put(TrainingGraphs.TARGETS, batch.tensor(TrainingGraphs.TARGETS));
            inputs.put(TrainingGraphs.LOSS_MASK, batch.tensor(TrainingGraphs.LOSS_MASK));

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
