package dev.overtune.cuda;

import dev.overtune.backend.HostParameters;
import dev.overtune.cuda.params.DevicePerturber;
import dev.overtune.cuda.params.ParamLayout;
import dev.overtune.cuda.train.AdamWScalars;
import dev.overtune.cuda.train.NormReduction;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.GaussianNoise;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Perturbations;
import dev.overtune.probe.Philox;
import dev.overtune.probe.Quantization;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import dev.overtune.train.AdamW;
import dev.overtune.train.AnchorGradient;
import dev.overtune.train.GradClip;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernels' element functions (philox.cuh, adamw.cuh, quantize.cuh, gradnorm.cuh), compiled by nvcc as host
 * code and run on this CPU, against the Java generators they must reproduce. This is the CPU-side
 * evidence that the GPU noise, optimizer and quantisation match the CPU path; the device itself
 * (its libm, its intrinsics) is checked by CudaDeviceGpuTest where there is a GPU.
 */
class KernelHostHarnessTest {
    private static Path harness;

    @BeforeAll
    static void compile() throws IOException, InterruptedException {
        var nvcc = Nvcc.find();
        assumeTrue(nvcc.isPresent(), "no nvcc (OVERTUNE_NVCC, CUDA_HOME/bin, /usr/local/cuda/bin, PATH): the host harness cannot be built");
        Path out = Path.of(System.getProperty("overtune.build.dir", "target"), "host-harness");
        Files.createDirectories(out.getParent());
        Path source = Path.of(System.getProperty("overtune.cuda.harness", "src/test/cuda"), "host_harness.cu");
        Process p = new ProcessBuilder(nvcc.get().toString(), "-std=c++17", "-O2", "-Xcompiler", "-ffp-contract=off",
                "-I", KernelSourcesTest.sources().toString(), source.toString(), "-o", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc took over 5 minutes");
        assertEquals(0, p.exitValue(), "nvcc failed on the host harness: " + log);
        harness = out;
    }

    /** Runs the harness over the commands, one answer line per command. */
    private static List<String> run(List<String> commands) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(harness.toString()).redirectErrorStream(true).start();
        // Commands go in on their own thread: the answers can outgrow the pipe before the last command is written.
        Thread writer = Thread.ofPlatform().start(() -> {
            try (var in = p.getOutputStream()) {
                in.write((String.join("\n", commands) + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new UncheckedIOException("writing commands to the host harness", e);
            }
        });
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().toList();
        writer.join();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "harness failed: " + lines);
        assertEquals(commands.size(), lines.size(), "one answer per command");
        return lines;
    }

    private static String hex(int v) {
        return Integer.toHexString(v);
    }

    private static String hex(long v) {
        return Long.toHexString(v);
    }

    @Test
    void philoxBlocksAreBitIdentical() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        List<int[]> inputs = new ArrayList<>();
        inputs.add(new int[] {0, 0, 0, 0, 0, 0});
        inputs.add(new int[] {-1, -1, -1, -1, -1, -1});
        inputs.add(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0});
        for (int i = 0; i < 500; i++) {
            inputs.add(new int[] {random.nextInt(), random.nextInt(), random.nextInt(), random.nextInt(), random.nextInt(), random.nextInt()});
        }
        List<String> commands = inputs.stream().map(c -> "philox " + hex(c[0]) + " " + hex(c[1]) + " " + hex(c[2]) + " " + hex(c[3])
                + " " + hex(c[4]) + " " + hex(c[5])).toList();
        List<String> answers = run(commands);
        assertEquals("6627e8d5 e169c58d bc57ac4c 9b00dbd8", answers.get(0), "Random123 known answer, zero key and counter");
        assertEquals("408f276d 41c83b0e a20bc7c6 6d5451fd", answers.get(1), "Random123 known answer, all ones");
        assertEquals("d16cfe09 94fdcceb 5001e420 24126ea1", answers.get(2), "Random123 known answer, pi digits");
        int[] w = new int[4];
        for (int i = 0; i < inputs.size(); i++) {
            int[] c = inputs.get(i);
            Philox.block(c[0], c[1], c[2], c[3], c[4], c[5], w);
            assertEquals(String.format("%08x %08x %08x %08x", w[0], w[1], w[2], w[3]), answers.get(i), commands.get(i));
        }
        System.out.println("host harness: " + inputs.size() + " Philox4x32-10 blocks bit-identical to dev.overtune.probe.Philox (3 Random123 known answers)");
    }

    @Test
    void gaussiansAreBitIdentical() throws Exception {
        // The logarithm, sine and cosine are polynomials in correctly rounded operations on both sides (no
        // libm), so every normal must match to the last bit, in every quadrant and at the ends of (0, 1).
        long[] seeds = {0, 42, 0x1234_5678_9abc_def0L, -1};
        SplittableRandom random = new SplittableRandom(11);
        List<String> commands = new ArrayList<>();
        List<Double> expected = new ArrayList<>();
        for (long seed : seeds) {
            for (int stream = 0; stream < 3; stream++) {
                GaussianNoise noise = new GaussianNoise(seed, stream);
                for (int parameter = 0; parameter < 3; parameter++) {
                    List<Long> elements = new ArrayList<>(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 1001L, (1L << 32) + 3, (1L << 34) + 1));
                    for (int k = 0; k < 100; k++) {
                        elements.add(random.nextLong(1L << 40));
                    }
                    for (long e : elements) {
                        commands.add("gauss " + hex(seed) + " " + hex(stream) + " " + hex(parameter) + " " + hex(e));
                        expected.add(noise.at(parameter, e));
                    }
                }
            }
        }
        List<String> answers = run(commands);
        for (int i = 0; i < answers.size(); i++) {
            double got = Double.longBitsToDouble(Long.parseUnsignedLong(answers.get(i), 16));
            assertEquals(Double.doubleToRawLongBits(expected.get(i)), Double.doubleToRawLongBits(got),
                    commands.get(i) + ": harness " + got + " vs Java " + expected.get(i));
        }
        System.out.println("host harness: " + answers.size() + " Box–Muller normals bit-identical to GaussianNoise");
    }

    @Test
    void noiseMatchesPerturbationsAddNoiseBitForBit() throws Exception {
        List<ParamSpec> specs = List.of(ParamSpec.normal("w", 0.02, 5, 7), ParamSpec.normal("b", 0.5, 13));
        long seed = 0xC0FFEEL;
        int stream = 3;
        double gamma = 0.7;
        try (Arena arena = Arena.ofShared(); Perturbations perturbations = new Perturbations(2)) {
            ParamStore base = ParamStore.allocate(arena, specs);
            base.initialize(11);
            ParamStore out = ParamStore.allocate(arena, specs);
            perturbations.addNoise(base, out, NoiseScale.INIT, gamma, seed, stream);
            List<String> commands = new ArrayList<>();
            List<Float> expected = new ArrayList<>();
            for (int p = 0; p < specs.size(); p++) {
                ParamSpec spec = specs.get(p);
                double sigma = gamma * spec.initStd();
                HostTensor src = base.tensor(spec.name());
                for (long e = 0; e < src.size(); e++) {
                    commands.add("addnoise " + hex(seed) + " " + hex(stream) + " " + hex(p) + " " + hex(e) + " "
                            + hex(Double.doubleToRawLongBits(sigma)) + " " + hex(Float.floatToRawIntBits(src.getFloat(e))));
                    expected.add(out.tensor(spec.name()).getFloat(e));
                }
            }
            List<String> answers = run(commands);
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(Float.floatToRawIntBits(expected.get(i)), (int) Long.parseLong(answers.get(i), 16), commands.get(i));
            }
            System.out.println("host harness: " + answers.size() + " noised weights bit-identical to Perturbations.addNoise");
        }
    }

    @Test
    void adamwMatchesTheCpuOptimizerBitForBit() throws Exception {
        List<ParamSpec> specs = List.of(ParamSpec.normal("w", 0.02, 4, 6), ParamSpec.zeros("b", 6));
        AdamW.Config config = AdamW.Config.defaults();
        SplittableRandom random = new SplittableRandom(3);
        try (Arena arena = Arena.ofConfined()) {
            ParamStore params = ParamStore.allocate(arena, specs);
            params.initialize(5);
            ParamStore grads = ParamStore.allocate(arena, specs);
            AdamW adamw = new AdamW(arena, params, config);
            int compared = 0;
            for (int step = 1; step <= 4; step++) {
                double lr = 3e-3 * step;
                for (ParamSpec spec : specs) {
                    HostTensor g = grads.tensor(spec.name());
                    for (long i = 0; i < g.size(); i++) {
                        g.setFloat(i, (float) (random.nextGaussian() * (i % 3 == 0 ? 1e-6 : 0.3)));
                    }
                }
                List<String> commands = new ArrayList<>();
                for (ParamSpec spec : specs) {
                    AdamWScalars s = AdamWScalars.of(config, lr, step, spec.decays());
                    String scalars = String.join(" ", hex(Float.floatToRawIntBits(s.beta1())), hex(Float.floatToRawIntBits(s.beta2())),
                            hex(Float.floatToRawIntBits(s.oneMinusBeta1())), hex(Float.floatToRawIntBits(s.oneMinusBeta2())),
                            hex(Float.floatToRawIntBits(s.stepSize())), hex(Float.floatToRawIntBits(s.correction())),
                            hex(Float.floatToRawIntBits(s.eps())), hex(Float.floatToRawIntBits(s.decay())));
                    for (long i = 0; i < params.tensor(spec.name()).size(); i++) {
                        commands.add("adamw " + scalars + " " + hex(Float.floatToRawIntBits(params.tensor(spec.name()).getFloat(i)))
                                + " " + hex(Float.floatToRawIntBits(grads.tensor(spec.name()).getFloat(i)))
                                + " " + hex(Float.floatToRawIntBits(adamw.firstMoment().tensor(spec.name()).getFloat(i)))
                                + " " + hex(Float.floatToRawIntBits(adamw.secondMoment().tensor(spec.name()).getFloat(i))));
                    }
                }
                List<String> answers = run(commands);
                adamw.update(params, grads, lr);
                int k = 0;
                for (ParamSpec spec : specs) {
                    for (long i = 0; i < params.tensor(spec.name()).size(); i++, k++) {
                        String want = String.format("%08x %08x %08x", Float.floatToRawIntBits(params.tensor(spec.name()).getFloat(i)),
                                Float.floatToRawIntBits(adamw.firstMoment().tensor(spec.name()).getFloat(i)),
                                Float.floatToRawIntBits(adamw.secondMoment().tensor(spec.name()).getFloat(i)));
                        assertEquals(want, answers.get(k), "step " + step + " " + spec.name() + "[" + i + "]");
                        compared++;
                    }
                }
            }
            System.out.println("host harness: " + compared + " AdamW element updates (parameter, m, v) bit-identical to AdamW.update over 4 steps");
        }
    }

    /**
     * The device perturber's launches, each replayed through the kernel's element function in the harness
     * (overtune_add_noise: element e of parameter p from block e/4), give the tiny GPT-2's noised weights bit for
     * bit as Perturbations.addNoise writes them, at every scale; the parameters it copies (σ = 0) are those the
     * host copies, −0.0 included.
     */
    @Test
    void devicePerturberNoiseLaunchesReproducePerturbationsBitForBit() throws Exception {
        LanguageModel model = ModelConfigs.resolve("tiny");
        long seed = 7_000_003L;
        double gamma = 1.5;
        int stream = Double.hashCode(gamma);
        try (Arena arena = Arena.ofShared(); Perturbations perturbations = new Perturbations(2)) {
            ParamStore base = ParamStore.allocate(arena, model.params());
            base.initialize(21);
            ParamSpec zeros = model.params().stream().filter(s -> s.initStd() == 0 && s.shape().size() > 0).findFirst().orElseThrow();
            base.tensor(zeros.name()).setFloat(0, -0.0f); // a copy keeps it; base + 0·z would make it +0.0
            ParamStore out = ParamStore.allocate(arena, model.params());
            ParamLayout layout = new ParamLayout(model.params());
            int compared = 0;
            int copied = 0;
            for (NoiseScale scale : NoiseScale.values()) {
                perturbations.addNoise(base, out, scale, gamma, seed, stream);
                List<String> commands = new ArrayList<>();
                List<Integer> expected = new ArrayList<>();
                for (DevicePerturber.NoiseLaunch l : DevicePerturber.noiseLaunches(layout, new HostParameters(base), scale, gamma)) {
                    for (long e = 0; e < l.count(); e++) {
                        int want = Float.floatToRawIntBits(out.flat().getFloat(l.offset() + e));
                        int from = Float.floatToRawIntBits(base.flat().getFloat(l.offset() + e));
                        if (l.sigma() == 0) {
                            assertEquals(from, want, scale + ": parameter " + l.parameter() + " is copied on the host, so on the device");
                            copied++;
                            continue;
                        }
                        commands.add("addnoise " + hex(seed) + " " + hex(stream) + " " + hex(l.parameter()) + " " + hex(e) + " "
                                + hex(Double.doubleToRawLongBits(l.sigma())) + " " + hex(from));
                        expected.add(want);
                    }
                }
                List<String> answers = run(commands);
                for (int i = 0; i < answers.size(); i++) {
                    assertEquals(expected.get(i), (int) Long.parseLong(answers.get(i), 16), scale + ": " + commands.get(i));
                }
                compared += answers.size();
            }
            assertTrue(compared > 3 * 100_000, compared + " elements compared");
            System.out.println("host harness: the device perturber's noise launches give " + compared + " weights of the tiny GPT-2 (init, absolute,"
                    + " relative) bit-identical to Perturbations.addNoise; " + copied + " copied as the host copies them");
        }
    }

    /**
     * The device perturber's quantisation launches, replayed block by block as overtune_quantize_rtn indexes them
     * (one block per channel and group, max |x| over the group, then ot_rtn per weight), give the tiny GPT-2's
     * weights bit for bit as Perturbations.quantize writes them, for output channels along rows (embeddings) and
     * columns (Conv1D); the tensors it copies are those the host copies.
     */
    @Test
    void devicePerturberQuantizeLaunchesReproducePerturbationsBitForBit() throws Exception {
        LanguageModel model = ModelConfigs.resolve("tiny");
        try (Arena arena = Arena.ofShared(); Perturbations perturbations = new Perturbations(2)) {
            ParamStore base = ParamStore.allocate(arena, model.params());
            base.initialize(22);
            ParamStore out = ParamStore.allocate(arena, model.params());
            ParamLayout layout = new ParamLayout(model.params());
            int compared = 0;
            int axes = 0;
            for (Quantization q : List.of(new Quantization(8, 0), new Quantization(4, 32), new Quantization(3, 48))) {
                perturbations.quantize(base, out, q, model::outputAxis);
                List<String> commands = new ArrayList<>();
                List<Integer> expected = new ArrayList<>();
                for (DevicePerturber.QuantizeLaunch l : DevicePerturber.quantizeLaunches(layout, q, model::outputAxis)) {
                    if (l.rows() == 0) {
                        for (long e = 0; e < l.count(); e++) {
                            assertEquals(Float.floatToRawIntBits(base.flat().getFloat(l.offset() + e)), Float.floatToRawIntBits(out.flat().getFloat(l.offset() + e)),
                                    q + ": parameter " + l.parameter() + " is copied on the host, so on the device");
                        }
                        continue;
                    }
                    axes |= 1 << l.outputAxis();
                    int channels = l.outputAxis() == 0 ? l.rows() : l.cols();
                    int length = l.outputAxis() == 0 ? l.cols() : l.rows();
                    for (int c = 0; c < channels; c++) {
                        for (int start = 0; start < length; start += l.group()) {
                            int end = Math.min(length, start + l.group());
                            float max = 0f;
                            for (int k = start; k < end; k++) {
                                max = Math.max(max, Math.abs(base.flat().getFloat(l.offset() + index(c, k, l.outputAxis(), l.cols()))));
                            }
                            for (int k = start; k < end; k++) {
                                long i = l.offset() + index(c, k, l.outputAxis(), l.cols());
                                commands.add("rtn " + hex(Float.floatToRawIntBits(base.flat().getFloat(i))) + " " + hex(Float.floatToRawIntBits(max)) + " " + q.bits());
                                expected.add(Float.floatToRawIntBits(out.flat().getFloat(i)));
                            }
                        }
                    }
                }
                List<String> answers = run(commands);
                for (int i = 0; i < answers.size(); i++) {
                    assertEquals(expected.get(i), (int) Long.parseLong(answers.get(i), 16), q.label() + ": " + commands.get(i));
                }
                compared += answers.size();
            }
            assertEquals(3, axes, "matrices with output channels along rows and along columns");
            System.out.println("host harness: the device perturber's quantisation launches give " + compared
                    + " weights of the tiny GPT-2 (int8, int4-g32, int3-g48) bit-identical to Perturbations.quantize");
        }
    }

    private static long index(int channel, int k, int outputAxis, int cols) {
        return outputAxis == 0 ? (long) channel * cols + k : (long) k * cols + channel;
    }

    @Test
    void roundToNearestMatchesQuantizationBitForBit() throws Exception {
        SplittableRandom random = new SplittableRandom(9);
        int rows = 6;
        int cols = 20;
        try (Arena arena = Arena.ofConfined()) {
            HostTensor src = HostTensor.allocate(arena, DType.F32, Shape.of(rows, cols));
            HostTensor dst = HostTensor.allocate(arena, DType.F32, Shape.of(rows, cols));
            for (long i = 0; i < src.size(); i++) {
                src.setFloat(i, (float) (random.nextGaussian() * 0.05));
            }
            src.setFloat(3, 0f);
            for (int c = 0; c < cols; c++) {
                src.setFloat(5L * cols + c, 0f); // an all-zero channel: scale 0
            }
            int compared = 0;
            for (Quantization q : List.of(new Quantization(8, 0), new Quantization(4, 0), new Quantization(4, 8), new Quantization(3, 5))) {
                q.apply(src, dst, 0);
                List<String> commands = new ArrayList<>();
                List<Integer> expected = new ArrayList<>();
                int group = q.groupSize() == 0 ? cols : Math.min(q.groupSize(), cols);
                for (int r = 0; r < rows; r++) {
                    for (int start = 0; start < cols; start += group) {
                        float max = 0;
                        for (int k = start; k < Math.min(cols, start + group); k++) {
                            max = Math.max(max, Math.abs(src.getFloat((long) r * cols + k)));
                        }
                        for (int k = start; k < Math.min(cols, start + group); k++) {
                            long i = (long) r * cols + k;
                            commands.add("rtn " + hex(Float.floatToRawIntBits(src.getFloat(i))) + " " + hex(Float.floatToRawIntBits(max)) + " " + q.bits());
                            expected.add(Float.floatToRawIntBits(dst.getFloat(i)));
                        }
                    }
                }
                List<String> answers = run(commands);
                for (int i = 0; i < answers.size(); i++) {
                    assertEquals(expected.get(i), (int) Long.parseLong(answers.get(i), 16), q.label() + ": " + commands.get(i));
                    compared++;
                }
            }
            System.out.println("host harness: " + compared + " round-to-nearest weights bit-identical to Quantization.apply (int8, int4, int4-g8, int3-g5)");
        }
    }

    @Test
    void anchorGradientMatchesTheCpuPathBitForBit() throws Exception {
        SplittableRandom random = new SplittableRandom(21);
        int n = 2000;
        float[] strengths = {1e-4f, 0.01f, 0.1f, 1f, 3.7f};
        try (Arena arena = Arena.ofConfined()) {
            HostTensor p = HostTensor.allocate(arena, DType.F32, Shape.of(n));
            HostTensor a = HostTensor.allocate(arena, DType.F32, Shape.of(n));
            HostTensor g = HostTensor.allocate(arena, DType.F32, Shape.of(n));
            List<String> commands = new ArrayList<>();
            List<Integer> expected = new ArrayList<>();
            for (float strength : strengths) {
                for (int i = 0; i < n; i++) {
                    a.setFloat(i, (float) (random.nextGaussian() * 0.02));
                    p.setFloat(i, a.getFloat(i) + (float) (random.nextGaussian() * (i % 5 == 0 ? 1e-7 : 1e-2)));
                    g.setFloat(i, (float) (random.nextGaussian() * (i % 7 == 0 ? 1e3 : 1e-3)));
                    commands.add("anchor " + hex(Float.floatToRawIntBits(g.getFloat(i))) + " " + hex(Float.floatToRawIntBits(p.getFloat(i)))
                            + " " + hex(Float.floatToRawIntBits(a.getFloat(i))) + " " + hex(Float.floatToRawIntBits(strength)));
                }
                AnchorGradient.add(g, p, a, strength);
                for (int i = 0; i < n; i++) {
                    expected.add(Float.floatToRawIntBits(g.getFloat(i)));
                }
            }
            List<String> answers = run(commands);
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(expected.get(i), (int) Long.parseLong(answers.get(i), 16), commands.get(i));
            }
            System.out.println("host harness: " + answers.size() + " L2-to-anchor gradients bit-identical to AnchorGradient.add (5 strengths)");
        }
    }

    /**
     * The two-pass sum of squares against GradClip's sequential one. Every square is exact in double
     * and all terms are non-negative, so each order's relative error is at most (n-1)·2⁻⁵³; the norms
     * (square roots) then differ by at most about n·2⁻⁵³ relative. The clip factor, rounded to float
     * as both paths apply it, must come out the same.
     */
    @Test
    void globalNormMatchesGradClipWithinTheSummationBound() throws Exception {
        SplittableRandom random = new SplittableRandom(33);
        int[] sizes = {1, 7, 255, 256, 257, 4096, 4097, 65_537, 250_000};
        List<String> commands = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        List<Integer> blockCounts = new ArrayList<>();
        for (int n : sizes) {
            for (int blocks : new int[] {NormReduction.blocks(n), NormReduction.MAX_BLOCKS}) {
                float[] g = new float[n];
                for (int i = 0; i < n; i++) {
                    g[i] = (float) (random.nextGaussian() * (i % 11 == 0 ? 10 : 1e-3));
                }
                inputs.add(g);
                blockCounts.add(blocks);
            }
        }
        for (int k = 0; k < inputs.size(); k++) {
            commands.add(sumsqCommand(blockCounts.get(k), inputs.get(k)));
        }
        List<String> answers = run(commands);
        int identical = 0;
        long worstUlps = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int k = 0; k < inputs.size(); k++) {
                float[] g = inputs.get(k);
                HostTensor t = tensorOf(arena, g);
                double cpu = GradClip.globalNorm(t);
                double device = Math.sqrt(Double.longBitsToDouble(Long.parseUnsignedLong(answers.get(k), 16)));
                long ulps = Math.abs(Double.doubleToLongBits(device) - Double.doubleToLongBits(cpu));
                identical += ulps == 0 ? 1 : 0;
                worstUlps = Math.max(worstUlps, ulps);
                String what = "n=" + g.length + " blocks=" + blockCounts.get(k);
                assertTrue(Math.abs(device - cpu) <= cpu * g.length * 0x1p-53, what + ": device order " + device + " vs GradClip " + cpu);
                double maxNorm = cpu / 2;
                assertEquals((float) GradClip.coefficient(cpu, maxNorm), (float) GradClip.coefficient(device, maxNorm), what + ": clip factor");
            }
        }
        System.out.println("host harness: " + inputs.size() + " global norms (n up to 250000, up to " + NormReduction.MAX_BLOCKS
                + " blocks) within n·2^-53 of GradClip.globalNorm, " + identical + " bit-identical, worst " + worstUlps
                + " ulp; clip factors (float) identical in all");
    }

    @Test
    void nonFiniteGradientsGiveTheSameNonFiniteNormAsGradClip() throws Exception {
        float[] withNaN = {1f, Float.NaN, 2f};
        float[] withInfinity = {1f, Float.NEGATIVE_INFINITY, 2f};
        float[] overflowingSquare = {Float.MAX_VALUE, 1f};
        List<float[]> inputs = List.of(withNaN, withInfinity, overflowingSquare);
        List<String> answers = run(inputs.stream().map(g -> sumsqCommand(NormReduction.blocks(g.length), g)).toList());
        try (Arena arena = Arena.ofConfined()) {
            for (int k = 0; k < inputs.size(); k++) {
                double device = Math.sqrt(Double.longBitsToDouble(Long.parseUnsignedLong(answers.get(k), 16)));
                // Trainer's divergence message prints the norm, so NaN must stay NaN and ∞ stay ∞.
                assertEquals(String.valueOf(GradClip.globalNorm(tensorOf(arena, inputs.get(k)))), String.valueOf(device), "case " + k);
            }
        }
    }

    private static String sumsqCommand(int blocks, float[] g) {
        StringBuilder b = new StringBuilder("sumsq ").append(blocks).append(' ').append(g.length);
        for (float x : g) {
            b.append(' ').append(hex(Float.floatToRawIntBits(x)));
        }
        return b.toString();
    }

    private static HostTensor tensorOf(Arena arena, float[] values) {
        HostTensor t = HostTensor.allocate(arena, DType.F32, Shape.of(values.length));
        for (int i = 0; i < values.length; i++) {
            t.setFloat(i, values[i]);
        }
        return t;
    }

    /**
     * The BF16 compute copies' conversion (overtune_f32_to_bf16) against the definition rather than
     * another implementation: the result is the bfloat16 nearest to x, ties to the even one, ±∞
     * beyond the largest finite value's rounding range, NaN to a NaN.
     */
    @Test
    void bf16ConversionRoundsToNearestEven() throws Exception {
        SplittableRandom random = new SplittableRandom(17);
        List<Integer> inputs = new ArrayList<>(List.of(0, 0x80000000, 0x3f800000, 0x3f808000, 0x3f818000, 0x3f80ffff, 0x00000001,
                0x007fffff, 0x00808000, 0x7f7fffff, 0x7f7f7fff, 0x7f7f8000, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffffffff));
        for (int i = 0; i < 5000; i++) {
            int bits = random.nextInt();
            inputs.add(i % 4 == 0 ? (bits & 0xffff0000) | 0x8000 : bits); // every fourth exactly halfway
        }
        List<String> answers = run(inputs.stream().map(b -> "bf16 " + hex(b)).toList());
        for (int k = 0; k < inputs.size(); k++) {
            float x = Float.intBitsToFloat(inputs.get(k));
            int bf16 = Integer.parseInt(answers.get(k), 16);
            float y = Float.intBitsToFloat(bf16 << 16);
            String what = "bf16 of " + x + " (" + hex(inputs.get(k)) + ") = " + answers.get(k);
            if (Float.isNaN(x)) {
                assertTrue(Float.isNaN(y), what);
                continue;
            }
            if (Float.isInfinite(x)) {
                assertEquals(Float.floatToRawIntBits(x), Float.floatToRawIntBits(y), what);
                continue;
            }
            int truncated = inputs.get(k) & 0xffff0000;
            float down = Float.intBitsToFloat(truncated);
            float up = Float.intBitsToFloat(truncated + 0x10000); // the next bfloat16 away from zero, ∞ after the largest
            float want;
            if (Float.isInfinite(up)) {
                // bfloat16's top step is 2^120, so values from the largest finite one plus 2^119 round to ∞ (the tie goes to ∞, whose bits are even).
                want = Math.abs((double) x) >= Math.abs((double) down) + 0x1p119 ? up : down;
            } else {
                double toDown = Math.abs((double) x - down);
                double toUp = Math.abs((double) x - up);
                want = toDown < toUp ? down : toUp < toDown ? up : ((truncated >>> 16) & 1) == 0 ? down : up;
            }
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(y), what);
        }
        System.out.println("host harness: " + inputs.size() + " float→bfloat16 conversions round to nearest even (incl. ties, subnormals, overflow, NaN)");
    }
}
