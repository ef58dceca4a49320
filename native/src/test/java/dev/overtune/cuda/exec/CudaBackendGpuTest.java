package dev.overtune.cuda.exec;

import dev.overtune.backend.Backend;
import dev.overtune.backend.BackendException;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.DeviceMemory;
import dev.overtune.cuda.DeviceTensor;
import dev.overtune.cuda.GpuTests;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.graph.Graph;
import dev.overtune.graph.Value;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.HostTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CudaBackend on a real GPU against ONNX Runtime on the engine's reference fixtures: the train
 * graph of each family (loss and every gradient, FP32 GEMMs), the eval graph through device
 * bindings, TF32 GEMMs, the train graphs with BF16 GEMMs (within HostBf16ExecutionTest's bounds); the block-per-row kernels, chunked reductions and sorted ScatterAddRows on
 * BlockKernelTest's shapes and on GPT-2-sized rows, each run twice and required to repeat bit for
 * bit. Skipped, with the reason, where no device opens.
 */
@Tag("gpu")
class CudaBackendGpuTest {
    private static CudaBackend fp32;

    @BeforeAll
    static void open() {
        assumeTrue(java.nio.file.Files.isDirectory(Fixture.ROOT.resolve("gpt2-tiny")), "no reference fixture at " + Fixture.ROOT.toAbsolutePath());
        fp32 = new CudaBackend(GpuTests.deviceOrSkip(), Cublas.Precision.FP32);
        System.out.println("gpu: " + fp32.device().describe());
    }

    @AfterAll
    static void close() {
        if (fp32 != null) {
            fp32.close();
        }
    }

    private static void assertClose(Graph graph, Map<String, HostTensor> expected, Map<String, HostTensor> actual, double tolerance) {
        for (String name : graph.outputNames()) {
            double err = Tensors.relativeError(actual.get(name), expected.get(name));
            assertTrue(err < tolerance, graph.name() + " on the GPU: output '" + name + "' max relative error " + err);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny", "llama-tiny", "olmo2-tiny", "olmo-tiny", "qwen2-tiny", "mistral-tiny"})
    void trainGraphMatchesOnnxRuntime(String fixture) {
        try (Arena arena = Arena.ofConfined(); Fixture f = Fixture.open(fixture, arena)) {
            Graph graph = f.train();
            Map<String, HostTensor> expected = PlanRunner.ort(graph, f.inputs(), arena);
            Map<String, HostTensor> actual = Tensors.outputs(graph, arena);
            try (Backend.Program p = fp32.compile(graph); Backend.Binding b = p.bind(f.inputs(), actual)) {
                b.run();
                assertClose(graph, expected, actual, 1e-4);
                b.run();
                assertClose(graph, expected, actual, 1e-4);
            }
            System.out.println("gpu: " + graph.name() + " (FP32 GEMMs), " + graph.outputs().size() + " outputs match ONNX Runtime twice in a row");
        }
    }

    /** Runs a graph on the device twice; the second run must repeat the first bit for bit (fixed reduction orders, no float atomics). */
    private static Map<String, HostTensor> runTwice(Graph graph, Map<String, HostTensor> inputs, Arena arena) {
        Map<String, HostTensor> first = Tensors.outputs(graph, arena);
        Map<String, HostTensor> second = Tensors.outputs(graph, arena);
        try (Backend.Program p = fp32.compile(graph); Backend.Binding a = p.bind(inputs, first); Backend.Binding b = p.bind(inputs, second)) {
            a.run();
            b.run();
        }
        for (String name : graph.outputNames()) {
            assertEquals(-1, first.get(name).segment().mismatch(second.get(name).segment()), graph.name() + " on the GPU: output '" + name
                    + "' differs between two runs");
        }
        return first;
    }

    @Test
    void blockKernelsMatchOnnxRuntimeAndRepeat() {
        Graph graph = BlockKernelTest.rowGraph();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> inputs = PlanRunner.randomInputs(graph, arena, 11, 1);
            assertClose(graph, PlanRunner.ort(graph, inputs, arena), runTwice(graph, inputs, arena), BlockKernelTest.TOLERANCE);
        }
    }

    @Test
    void gpt2SizedRowsMatchOnnxRuntimeAndRepeat() {
        Graph graph = BlockKernelTest.gpt2RowsGraph();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> inputs = PlanRunner.randomInputs(graph, arena, 13, BlockKernelTest.GPT2_VOCAB);
            assertClose(graph, PlanRunner.ort(graph, inputs, arena), runTwice(graph, inputs, arena), BlockKernelTest.TOLERANCE);
        }
    }

    @Test
    void scatterAddRowsIsTheSequentialSumOnTheDevice() {
        // The GPT-2 vocabulary, 16 tiles of updates: sums of plain additions in index order, so bit for bit.
        int rows = BlockKernelTest.GPT2_VOCAB;
        int width = 64;
        long[] ids = BlockKernelTest.scatterIds(4096, rows, 17);
        Graph graph = BlockKernelTest.scatterGraph(ids, rows, width);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, HostTensor> inputs = PlanRunner.randomInputs(graph, arena, 19, 1);
            HostTensor out = runTwice(graph, inputs, arena).get("scatter");
            float[] expected = BlockKernelTest.sequentialScatter(ids, inputs.get("updates"), rows, width);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], out.getFloat(i), 0f, "scatter on the GPU: row " + i / width + ", column " + i % width);
            }
        }
    }

    @Test
    void deviceBindingReadsAndWritesDeviceTensors() {
        CudaDevice gpu = fp32.device();
        try (Arena arena = Arena.ofConfined(); Fixture f = Fixture.open("gpt2-tiny", arena)) {
            Graph graph = f.eval();
            Map<String, HostTensor> expected = PlanRunner.ort(graph, f.inputs(), arena);
            List<DeviceMemory> owned = new ArrayList<>();
            try (CudaProgram p = fp32.compile(graph)) {
                Map<String, DeviceTensor> in = new LinkedHashMap<>();
                for (Value v : graph.inputs()) {
                    HostTensor t = f.inputs().get(v.name());
                    DeviceMemory m = gpu.allocate(t.segment().byteSize(), v.name());
                    owned.add(m);
                    gpu.upload(t.segment(), m);
                    in.put(v.name(), DeviceTensor.of(m, v.dtype(), v.shape()));
                }
                Map<String, DeviceTensor> out = new LinkedHashMap<>();
                Map<String, DeviceMemory> outMemory = new LinkedHashMap<>();
                for (Map.Entry<String, Value> e : graph.outputs().entrySet()) {
                    Value v = e.getValue();
                    DeviceMemory m = gpu.allocate(Math.max(v.shape().size() * v.dtype().byteSize(), 1), e.getKey());
                    owned.add(m);
                    outMemory.put(e.getKey(), m);
                    out.put(e.getKey(), DeviceTensor.of(m, v.dtype(), v.shape()));
                }
                try (Backend.Binding b = p.bindDevice(in, out)) {
                    b.run();
                    gpu.synchronize();
                }
                Map<String, HostTensor> actual = Tensors.outputs(graph, arena);
                for (Map.Entry<String, HostTensor> e : actual.entrySet()) {
                    gpu.download(outMemory.get(e.getKey()), e.getValue().segment());
                }
                assertClose(graph, expected, actual, 1e-4);
            } finally {
                owned.forEach(DeviceMemory::close);
            }
        }
    }

    @Test
    void tf32GemmsStayNearOnnxRuntime() {
        // A second backend on the same device, left unclosed: closing it would close the shared device.
        CudaBackend tf32 = new CudaBackend(fp32.device(), Cublas.Precision.TF32);
        try (Arena arena = Arena.ofConfined(); Fixture f = Fixture.open("gpt2-tiny", arena)) {
            Graph graph = f.eval();
            Map<String, HostTensor> expected = PlanRunner.ort(graph, f.inputs(), arena);
            Map<String, HostTensor> actual = Tensors.outputs(graph, arena);
            try (CudaProgram p = tf32.compile(graph); Backend.Binding b = p.bind(f.inputs(), actual)) {
                b.run();
            }
            // TF32 keeps 10 mantissa bits of each GEMM input.
            assertClose(graph, expected, actual, 1e-2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny", "llama-tiny", "olmo2-tiny", "olmo-tiny", "qwen2-tiny", "mistral-tiny"})
    void bf16TrainGraphStaysNearOnnxRuntime(String fixture) {
        // A second backend on the same device, left unclosed: closing it would close the shared device.
        CudaBackend bf16 = new CudaBackend(fp32.device(), Cublas.Precision.BF16);
        try (Arena arena = Arena.ofConfined(); Fixture f = Fixture.open(fixture, arena)) {
            Graph graph = f.train();
            Map<String, HostTensor> expected = PlanRunner.ort(graph, f.inputs(), arena);
            Map<String, HostTensor> actual = Tensors.outputs(graph, arena);
            try (CudaProgram p = bf16.compile(graph); Backend.Binding b = p.bind(f.inputs(), actual)) {
                b.run();
            }
            // The host BF16 plans' bounds and their reasons: HostBf16ExecutionTest.
            double loss = Math.abs(actual.get(TrainingGraphs.LOSS).getDouble(0) - expected.get(TrainingGraphs.LOSS).getDouble(0))
                    / Math.abs(expected.get(TrainingGraphs.LOSS).getDouble(0));
            assertTrue(loss < HostBf16ExecutionTest.LOSS_TOLERANCE, fixture + " BF16 on the GPU: loss relative error " + loss);
            double worst = 0;
            for (String name : graph.outputNames()) {
                if (name.startsWith(TrainingGraphs.GRAD_PREFIX)) {
                    double err = HostBf16ExecutionTest.normwiseError(actual.get(name), expected.get(name));
                    assertTrue(err < HostBf16ExecutionTest.GRADIENT_TOLERANCE, fixture + " BF16 on the GPU: " + name + " norm-wise relative error " + err);
                    worst = Math.max(worst, err);
                }
            }
            System.out.printf("gpu: %s (BF16 GEMMs): loss %.2e relative, worst gradient %.2e norm-wise vs ONNX Runtime FP32%n", graph.name(), loss, worst);
        }
    }

    @Test
    void aMissingInputIsNamed() {
        try (Arena arena = Arena.ofConfined(); Fixture f = Fixture.open("gpt2-tiny", arena); CudaProgram p = fp32.compile(f.eval())) {
            Map<String, HostTensor> inputs = new LinkedHashMap<>(f.inputs());
            inputs.remove("input_ids");
            BackendException e = assertThrows(BackendException.class, () -> p.bind(inputs, Map.of()));
            assertEquals("graph 'gpt2_eval' needs input 'input_ids' I64[" + f.batch() + "," + f.seq() + "], which was not given", e.getMessage());
        }
    }
}
