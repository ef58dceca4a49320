package dev.overtune.cuda.train;

import dev.overtune.backend.Backend;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.DeviceTensor;
import dev.overtune.cuda.GpuTests;
import dev.overtune.graph.Graph;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.train.AdamW;
import dev.overtune.train.DivergenceException;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.StepResult;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device-resident step (anchor, global norm, clip, AdamW, BF16 copies) against the CPU path,
 * with the graph replaced on both sides by the same scripted gradients: what is compared is the
 * training state's math, not the executor's. Needs a GPU; skipped with the reason elsewhere.
 */
@Tag("gpu")
class DeviceTrainingStateGpuTest {
    private static final LanguageModel MODEL = ModelConfigs.resolve("tiny");
    private static final TrainConfig CONFIG = new TrainConfig(2, 8, new LrSchedule(3e-3, 3e-3, 1, 6),
            new AdamW.Config(0.9, 0.95, 1e-8, 0.1), 1.0);
    private static CudaDevice gpu;

    @BeforeAll
    static void open() {
        gpu = GpuTests.deviceOrSkip();
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    /** Step k's loss and gradients: large enough on even steps that clipping scales them. */
    private static final class Script {
        private final int poisonStep;
        int runs;

        Script(int poisonStep) {
            this.poisonStep = poisonStep;
        }

        float[] next(long size) {
            int step = runs++;
            SplittableRandom random = new SplittableRandom(1000 + step);
            float[] g = new float[Math.toIntExact(size)];
            double scale = step % 2 == 0 ? 0.05 : 1e-4;
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) (random.nextGaussian() * scale);
            }
            if (step == poisonStep) {
                g[g.length / 2] = Float.NaN;
            }
            return g;
        }

        float loss() {
            return 5f - 0.25f * runs;
        }
    }

    private static Backend hostBackend(Script script) {
        return new Backend() {
            public String name() {
                return "scripted host";
            }

            public Program compile(Graph graph) {
                return new Program() {
                    public Binding bind(Map<String, HostTensor> inputs, Map<String, HostTensor> outputs) {
                        return new Binding() {
                            public void run() {
                                float[] g = script.next(MODEL_SIZE);
                                long at = 0;
                                for (ParamSpec p : MODEL.params()) {
                                    HostTensor t = outputs.get(TrainingGraphs.GRAD_PREFIX + p.name());
                                    for (long i = 0; i < t.size(); i++) {
                                        t.setFloat(i, g[(int) (at + i)]);
                                    }
                                    at += t.size();
                                }
                                outputs.get(TrainingGraphs.LOSS).setFloat(0, script.loss());
                            }

                            public void close() {}
                        };
                    }

                    public void close() {}
                };
            }

            public void close() {}
        };
    }

    private static final long MODEL_SIZE = MODEL.params().stream().mapToLong(p -> p.shape().size()).sum();

    /** Writes the script's gradients into the bound device tensors on the device's stream; keeps the inputs for inspection. */
    private static final class ScriptedDeviceProgram implements DeviceProgram {
        private final Script script;
        private final Arena staging = Arena.ofConfined();
        Map<String, DeviceTensor> inputs;

        ScriptedDeviceProgram(Script script) {
            this.script = script;
        }

        public Backend.Binding bindDevice(Map<String, DeviceTensor> in, Map<String, DeviceTensor> out) {
            this.inputs = in;
            return new Backend.Binding() {
                public void run() {
                    float[] g = script.next(MODEL_SIZE);
                    long at = 0;
                    for (ParamSpec p : MODEL.params()) {
                        DeviceTensor t = out.get(TrainingGraphs.GRAD_PREFIX + p.name());
                        MemorySegment host = staging.allocateFrom(ValueLayout.JAVA_FLOAT, java.util.Arrays.copyOfRange(g, (int) at, (int) (at + t.shape().size())));
                        gpu.driver().copyToDeviceAsync(t.pointer(), host, t.bytes(), gpu.stream());
                        at += t.shape().size();
                    }
                    MemorySegment loss = staging.allocateFrom(ValueLayout.JAVA_FLOAT, script.loss());
                    gpu.driver().copyToDeviceAsync(out.get(TrainingGraphs.LOSS).pointer(), loss, 4, gpu.stream());
                }

                public void close() {}
            };
        }

        public void close() {
            staging.close();
        }
    }

    @Test
    void stepsMatchTheCpuPath() {
        try (Arena arena = Arena.ofConfined()) {
            ParamStore reference = ParamStore.allocate(arena, MODEL.params());
            reference.initialize(4);
            ParamStore onHost = ParamStore.allocate(arena, MODEL.params());
            onHost.initialize(5);
            ParamStore onDevice = ParamStore.allocate(arena, MODEL.params());
            onDevice.copyFrom(onHost);
            ScriptedDeviceProgram program = new ScriptedDeviceProgram(new Script(-1));
            try (Trainer host = new Trainer(hostBackend(new Script(-1)), MODEL, onHost, CONFIG, arena);
                 Trainer device = new Trainer(DeviceTrainingState.factory(gpu, g -> program), MODEL, onDevice, CONFIG, arena)) {
                scoreEverything(host, device);
                host.anchorTo(reference, 0.5);
                device.anchorTo(reference, 0.5);
                int sameNorms = 0;
                while (host.nextStep() < 6) {
                    StepResult h = host.step();
                    StepResult d = device.step();
                    assertEquals(h.loss(), d.loss(), 0.0, "loss at step " + h.step());
                    assertEquals(h.gradNorm(), d.gradNorm(), h.gradNorm() * MODEL_SIZE * 0x1p-53, "norm at step " + h.step());
                    sameNorms += h.gradNorm() == d.gradNorm() ? 1 : 0;
                }
                device.syncToHost();
                assertBitIdentical(onHost, onDevice, "parameters");
                assertBitIdentical(host.optimizer().firstMoment(), device.optimizer().firstMoment(), "first moments");
                assertBitIdentical(host.optimizer().secondMoment(), device.optimizer().secondMoment(), "second moments");
                assertEquals(host.nextStep(), device.nextStep());
                System.out.println("device training state: 6 steps (anchor 0.5, clipping on 3) bit-identical to the CPU path in "
                        + MODEL_SIZE + " parameters and both moments; " + sameNorms + "/6 norms bit-identical, the rest within n·2^-53");
            }
        }
    }

    @Test
    void aNonFiniteGradientStopsWithTheCpuPathsMessage() {
        try (Arena arena = Arena.ofConfined()) {
            ParamStore onHost = ParamStore.allocate(arena, MODEL.params());
            onHost.initialize(5);
            ParamStore onDevice = ParamStore.allocate(arena, MODEL.params());
            onDevice.copyFrom(onHost);
            ScriptedDeviceProgram program = new ScriptedDeviceProgram(new Script(2));
            try (Trainer host = new Trainer(hostBackend(new Script(2)), MODEL, onHost, CONFIG, arena);
                 Trainer device = new Trainer(DeviceTrainingState.factory(gpu, g -> program), MODEL, onDevice, CONFIG, arena)) {
                scoreEverything(host, device);
                host.step();
                host.step();
                device.step();
                device.step();
                String cpu = assertThrows(DivergenceException.class, host::step).getMessage();
                String gpuMessage = assertThrows(DivergenceException.class, device::step).getMessage();
                assertEquals(cpu, gpuMessage);
            }
        }
    }

    @Test
    void theGraphReadsTheUpdatedFp32MastersThemselves() {
        // BF16 compute casts inside the graph (GraphLowering), so the state binds the masters at any precision.
        try (Arena arena = Arena.ofConfined()) {
            ParamStore params = ParamStore.allocate(arena, MODEL.params());
            params.initialize(6);
            ScriptedDeviceProgram program = new ScriptedDeviceProgram(new Script(-1));
            try (Trainer device = new Trainer(DeviceTrainingState.factory(gpu, g -> program), MODEL, params, CONFIG, arena)) {
                scoreEverything(device);
                device.step();
                device.step();
                device.syncToHost();
                for (ParamSpec p : MODEL.params()) {
                    DeviceTensor bound = program.inputs.get(p.name());
                    assertNotNull(bound, p.name());
                    assertEquals(DType.F32, bound.dtype(), p.name() + ": the graph casts its GEMM operands itself");
                    MemorySegment host = arena.allocate(bound.bytes());
                    gpu.driver().copyToHostAsync(host, bound.pointer(), bound.bytes(), gpu.stream());
                    gpu.synchronize();
                    assertEquals(-1, host.mismatch(params.tensor(p.name()).segment()), p.name() + " is the updated master");
                }
            }
        }
    }

    /** The scripted graph ignores the batch, but the Trainer refuses one with no scored token. */
    private static void scoreEverything(Trainer... trainers) {
        for (Trainer t : trainers) {
            t.batch().lossMask().fill(1.0);
        }
    }

    private static void assertBitIdentical(ParamStore a, ParamStore b, String what) {
        List<ParamSpec> specs = a.specs();
        for (ParamSpec p : specs) {
            HostTensor x = a.tensor(p.name());
            HostTensor y = b.tensor(p.name());
            for (long i = 0; i < x.size(); i++) {
                assertEquals(Float.floatToRawIntBits(x.getFloat(i)), Float.floatToRawIntBits(y.getFloat(i)), what + " " + p.name() + "[" + i + "]");
            }
        }
    }
}
