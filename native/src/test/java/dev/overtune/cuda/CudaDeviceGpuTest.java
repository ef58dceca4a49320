package dev.overtune.cuda;

import dev.overtune.backends.CudaBackends;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.cuda.driver.CudaException;
import dev.overtune.cuda.driver.Driver;
import dev.overtune.cuda.train.AdamWScalars;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything that needs a real GPU: the bindings end to end, each kernel against the CPU
 * reference, cuBLAS GEMMs, the out-of-memory message. Skipped, with the reason, where
 * {@link CudaBackends#open()} finds no usable device; {@code native/gpu-check.sh} runs it on one.
 */
@Tag("gpu")
class CudaDeviceGpuTest {
    private static final int THREADS = 256;
    private static CudaDevice gpu;

    @BeforeAll
    static void open() {
        gpu = GpuTests.deviceOrSkip();
        System.out.println("gpu: " + gpu.describe());
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private static int blocks(long n, int perThread) {
        return (int) Math.max(1, (n + (long) THREADS * perThread - 1) / ((long) THREADS * perThread));
    }

    private static DeviceMemory upload(float[] values, String what) {
        DeviceMemory d = gpu.allocate(4L * Math.max(1, values.length), what);
        try (Arena a = Arena.ofConfined()) {
            gpu.upload(a.allocateFrom(ValueLayout.JAVA_FLOAT, values), d);
        }
        return d;
    }

    private static float[] downloadFloats(DeviceMemory d, int n) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(4L * n);
            gpu.download(d, host);
            return host.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    private static void launch(CudaModule module, String kernel, int blocks, KernelArgs args) {
        gpu.launch(module.function(kernel), blocks, THREADS, 0, args);
    }

    @Test
    void copiesRoundTrip() {
        float[] data = {1, -2.5f, Float.MIN_VALUE, Float.NaN, 3e38f};
        try (DeviceMemory d = upload(data, "round trip")) {
            assertArrayEquals(data, downloadFloats(d, data.length));
        }
    }

    @Test
    void philoxWordsAreBitIdenticalOnTheDevice() {
        int blocks = 4096;
        long seed = 0x0123_4567_89ab_cdefL;
        try (CudaModule noise = gpu.load(KernelModule.NOISE); DeviceMemory out = gpu.allocate(16L * blocks, "philox words"); Arena a = Arena.ofConfined()) {
            System.out.println("noise module: " + noise.origin());
            launch(noise, "overtune_philox_words", blocks(blocks, 1), new KernelArgs(a, 5).pointer(out).i64(blocks).i32(7).i32(3).i64(seed));
            MemorySegment host = a.allocate(16L * blocks);
            gpu.download(out, host);
            int[] w = new int[4];
            for (int b = 0; b < blocks; b++) {
                Philox.block(b, 0, 7, 3, (int) seed, (int) (seed >>> 32), w);
                for (int i = 0; i < 4; i++) {
                    assertEquals(w[i], host.getAtIndex(ValueLayout.JAVA_INT, 4L * b + i), "block " + b + " word " + i);
                }
            }
        }
    }

    @Test
    void noiseMatchesTheCpuProbe() {
        List<ParamSpec> specs = List.of(ParamSpec.normal("w", 0.02, 64, 129), ParamSpec.normal("b", 0.5, 1001));
        long seed = 99;
        int stream = 2;
        double gamma = 0.3;
        try (Arena arena = Arena.ofShared(); Perturbations cpu = new Perturbations(2); CudaModule noise = gpu.load(KernelModule.NOISE)) {
            ParamStore base = ParamStore.allocate(arena, specs);
            base.initialize(1);
            ParamStore expected = ParamStore.allocate(arena, specs);
            cpu.addNoise(base, expected, NoiseScale.INIT, gamma, seed, stream);
            int floatsDiffering = 0;
            long worstUlps = 0;
            for (int p = 0; p < specs.size(); p++) {
                ParamSpec spec = specs.get(p);
                int n = (int) base.tensor(spec.name()).size();
                float[] src = base.tensor(spec.name()).toFloatArray();
                try (DeviceMemory in = upload(src, spec.name()); DeviceMemory out = gpu.allocate(4L * n, "noised " + spec.name());
                     DeviceMemory normals = gpu.allocate(8L * n, "normals"); Arena a = Arena.ofConfined()) {
                    launch(noise, "overtune_add_noise", blocks(n, 4), new KernelArgs(a, 7).pointer(out).pointer(in).i64(n)
                            .f64(gamma * spec.initStd()).i32(p).i32(stream).i64(seed));
                    launch(noise, "overtune_gaussian", blocks(n, 4), new KernelArgs(a, 5).pointer(normals).i64(n).i32(p).i32(stream).i64(seed));
                    float[] got = downloadFloats(out, n);
                    MemorySegment z = a.allocate(8L * n);
                    gpu.download(normals, z);
                    GaussianNoise reference = new GaussianNoise(seed, stream);
                    for (int e = 0; e < n; e++) {
                        long ulps = Math.abs(Double.doubleToLongBits(z.getAtIndex(ValueLayout.JAVA_DOUBLE, e))
                                - Double.doubleToLongBits(reference.at(p, e)));
                        worstUlps = Math.max(worstUlps, ulps);
                        if (Float.floatToRawIntBits(got[e]) != Float.floatToRawIntBits(expected.tensor(spec.name()).getFloat(e))) {
                            floatsDiffering++;
                        }
                    }
                }
            }
            System.out.println("gpu noise: " + floatsDiffering + " noised weights differ from the CPU probe; normals within " + worstUlps + " ulp");
            assertTrue(worstUlps <= 4, "device libm vs Java Math: " + worstUlps + " ulp");
            assertEquals(0, floatsDiffering, "noised weights must be identical to the CPU probe's");
        }
    }

    @Test
    void adamwIsBitIdenticalToTheCpuOptimizer() {
        List<ParamSpec> specs = List.of(ParamSpec.normal("w", 0.02, 33, 65));
        AdamW.Config config = AdamW.Config.defaults();
        SplittableRandom random = new SplittableRandom(4);
        try (Arena arena = Arena.ofConfined(); CudaModule adamw = gpu.load(KernelModule.ADAMW)) {
            ParamStore params = ParamStore.allocate(arena, specs);
            params.initialize(2);
            ParamStore grads = ParamStore.allocate(arena, specs);
            AdamW cpu = new AdamW(arena, params, config);
            int n = (int) params.size();
            try (DeviceMemory p = upload(params.flat().toFloatArray(), "params"); DeviceMemory g = gpu.allocate(4L * n, "grads");
                 DeviceMemory m = upload(new float[n], "m"); DeviceMemory v = upload(new float[n], "v")) {
                for (int step = 1; step <= 5; step++) {
                    HostTensor gt = grads.flat();
                    for (int i = 0; i < n; i++) {
                        gt.setFloat(i, (float) (random.nextGaussian() * 0.1));
                    }
                    try (Arena a = Arena.ofConfined()) {
                        gpu.upload(a.allocateFrom(ValueLayout.JAVA_FLOAT, gt.toFloatArray()), g);
                        double lr = 1e-3;
                        KernelArgs args = new KernelArgs(a, 13).pointer(p).pointer(g).pointer(m).pointer(v).i64(n);
                        AdamWScalars.of(config, lr, step, specs.getFirst().decays()).appendTo(args);
                        launch(adamw, "overtune_adamw", blocks(n, 1), args);
                        cpu.update(params, grads, lr);
                    }
                }
                assertArrayEquals(params.flat().toFloatArray(), downloadFloats(p, n), "parameters after 5 steps");
                assertArrayEquals(cpu.secondMoment().flat().toFloatArray(), downloadFloats(v, n), "second moments after 5 steps");
            }
        }
    }

    @Test
    void quantisationIsBitIdenticalToTheCpuProbe() {
        int rows = 48;
        int cols = 200;
        SplittableRandom random = new SplittableRandom(5);
        try (Arena arena = Arena.ofConfined(); CudaModule quantize = gpu.load(KernelModule.QUANTIZE)) {
            HostTensor src = HostTensor.allocate(arena, DType.F32, Shape.of(rows, cols));
            HostTensor dst = HostTensor.allocate(arena, DType.F32, Shape.of(rows, cols));
            for (long i = 0; i < src.size(); i++) {
                src.setFloat(i, (float) (random.nextGaussian() * 0.04));
            }
            for (Quantization q : List.of(new Quantization(8, 0), new Quantization(4, 32))) {
                for (int axis = 0; axis < 2; axis++) {
                    q.apply(src, dst, axis);
                    int channels = axis == 0 ? rows : cols;
                    int length = axis == 0 ? cols : rows;
                    int group = q.groupSize() == 0 ? length : Math.min(q.groupSize(), length);
                    int groups = (length + group - 1) / group;
                    try (DeviceMemory in = upload(src.toFloatArray(), "weights"); DeviceMemory out = gpu.allocate(4L * rows * cols, "quantised");
                         Arena a = Arena.ofConfined()) {
                        launch(quantize, "overtune_quantize_rtn", channels * groups,
                                new KernelArgs(a, 7).pointer(out).pointer(in).i32(rows).i32(cols).i32(axis).i32(group).i32(q.bits()));
                        assertArrayEquals(dst.toFloatArray(), downloadFloats(out, rows * cols), q.label() + " axis " + axis);
                    }
                }
            }
        }
    }

    private static float[] matmul(float[] a, float[] b, int m, int k, int n) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int t = 0; t < k; t++) {
                    s += (double) a[i * k + t] * b[t * n + j];
                }
                c[i * n + j] = (float) s;
            }
        }
        return c;
    }

    @Test
    void gemmsAgreeWithTheCpuInEachPrecision() {
        int m = 96;
        int k = 160;
        int n = 72;
        SplittableRandom random = new SplittableRandom(6);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextGaussian();
        }
        float[] expected = matmul(a, b, m, k, n);
        try (CudaModule elementwise = TestKernels.ELEMENTWISE.load(gpu); DeviceMemory da = upload(a, "A"); DeviceMemory db = upload(b, "B");
             DeviceMemory dc = gpu.allocate(4L * m * n, "C"); DeviceMemory a16 = gpu.allocate(2L * a.length, "A bf16");
             DeviceMemory b16 = gpu.allocate(2L * b.length, "B bf16"); Arena arena = Arena.ofConfined()) {
            launch(elementwise, "overtune_f32_to_bf16", blocks(a.length, 1), new KernelArgs(arena, 3).pointer(a16).pointer(da).i64(a.length));
            launch(elementwise, "overtune_f32_to_bf16", blocks(b.length, 1), new KernelArgs(arena, 3).pointer(b16).pointer(db).i64(b.length));
            for (Cublas.Precision p : Cublas.Precision.values()) {
                long pa = p == Cublas.Precision.BF16 ? a16.pointer() : da.pointer();
                long pb = p == Cublas.Precision.BF16 ? b16.pointer() : db.pointer();
                // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: swap the operands.
                gpu.cublas().gemm(gpu.cublasHandle(), p, false, false, n, m, k, 1f, pb, n, pa, k, 0f, dc.pointer(), n);
                float[] got = downloadFloats(dc, m * n);
                double tolerance = switch (p) {
                    case FP32 -> 1e-4;
                    case TF32 -> 2e-2;
                    case BF16 -> 1e-1;
                };
                double worst = 0;
                for (int i = 0; i < got.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - expected[i]) / Math.sqrt(k));
                }
                System.out.println("gpu gemm " + p + ": worst |error| / sqrt(k) = " + worst);
                assertTrue(worst < tolerance, p + ": " + worst);
            }
            // Two batches of the same product, strided.
            try (DeviceMemory a2 = upload(concat(a, a), "A×2"); DeviceMemory b2 = upload(concat(b, b), "B×2");
                 DeviceMemory c2 = gpu.allocate(8L * m * n, "C×2")) {
                gpu.cublas().gemmStridedBatched(gpu.cublasHandle(), Cublas.Precision.FP32, false, false, n, m, k, 1f,
                        b2.pointer(), n, (long) k * n, a2.pointer(), k, (long) m * k, 0f, c2.pointer(), n, (long) m * n, 2);
                float[] got = downloadFloats(c2, 2 * m * n);
                for (int i = 0; i < 2 * m * n; i++) {
                    assertEquals(expected[i % (m * n)], got[i], 1e-3 * Math.sqrt(k), "batched element " + i);
                }
            }
        }
    }

    private static float[] concat(float[] x, float[] y) {
        float[] out = new float[x.length + y.length];
        System.arraycopy(x, 0, out, 0, x.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    @Test
    void layerNormSoftmaxCrossEntropyAndGeluMatchReferences() {
        int rows = 7;
        int cols = 300;
        SplittableRandom random = new SplittableRandom(8);
        float[] x = new float[rows * cols];
        float[] scale = new float[cols];
        float[] bias = new float[cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 2 + 0.5);
        }
        for (int c = 0; c < cols; c++) {
            scale[c] = (float) (1 + 0.1 * random.nextGaussian());
            bias[c] = (float) (0.1 * random.nextGaussian());
        }
        try (CudaModule ln = TestKernels.LAYERNORM.load(gpu); CudaModule sm = TestKernels.SOFTMAX.load(gpu);
             CudaModule ew = TestKernels.ELEMENTWISE.load(gpu); DeviceMemory dx = upload(x, "x"); DeviceMemory ds = upload(scale, "scale");
             DeviceMemory dbias = upload(bias, "bias"); DeviceMemory dy = gpu.allocate(4L * x.length, "y");
             DeviceMemory loss = gpu.allocate(4L * rows, "loss"); DeviceMemory targets = gpu.allocate(8L * rows, "targets");
             Arena a = Arena.ofConfined()) {
            launch(ln, "overtune_layernorm", rows, new KernelArgs(a, 7).pointer(dy).pointer(dx).pointer(ds).pointer(dbias).i32(rows).i32(cols).f32(1e-5f));
            float[] y = downloadFloats(dy, x.length);
            for (int r = 0; r < rows; r++) {
                double mean = 0;
                double var = 0;
                for (int c = 0; c < cols; c++) {
                    mean += x[r * cols + c];
                }
                mean /= cols;
                for (int c = 0; c < cols; c++) {
                    var += Math.pow(x[r * cols + c] - mean, 2);
                }
                var /= cols;
                for (int c = 0; c < cols; c++) {
                    double want = (x[r * cols + c] - mean) / Math.sqrt(var + 1e-5) * scale[c] + bias[c];
                    assertEquals(want, y[r * cols + c], 1e-4, "layernorm " + r + "," + c);
                }
            }
            long[] t = {0, 5, -100, 299, 17, 3, 42};
            gpu.upload(a.allocateFrom(ValueLayout.JAVA_LONG, t), targets);
            launch(sm, "overtune_cross_entropy", rows, new KernelArgs(a, 6).pointer(loss).pointer(dx).pointer(targets).i32(rows).i32(cols).i64(-100));
            float[] l = downloadFloats(loss, rows);
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < cols; c++) {
                    max = Math.max(max, x[r * cols + c]);
                }
                double sum = 0;
                for (int c = 0; c < cols; c++) {
                    sum += Math.exp(x[r * cols + c] - max);
                }
                double want = t[r] == -100 ? 0 : Math.log(sum) + max - x[r * cols + (int) t[r]];
                assertEquals(want, l[r], 1e-4 * Math.max(1, Math.abs(want)), "cross-entropy row " + r);
            }
            launch(ew, "overtune_gelu_tanh", blocks(x.length, 1), new KernelArgs(a, 3).pointer(dy).pointer(dx).i64(x.length));
            float[] g = downloadFloats(dy, x.length);
            for (int i = 0; i < x.length; i++) {
                double v = x[i];
                double want = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                assertEquals(want, g[i], 1e-5 * Math.max(1, Math.abs(want)), "gelu " + v);
            }
        }
    }

    @Test
    void nvrtcCompiledKernelsRunToo() {
        try (CudaModule compiled = gpu.compile("noise.cu", KernelModule.NOISE.source()); DeviceMemory out = gpu.allocate(16, "one block");
             Arena a = Arena.ofConfined()) {
            assertTrue(compiled.origin().startsWith("NVRTC"));
            launch(compiled, "overtune_philox_words", 1, new KernelArgs(a, 5).pointer(out).i64(1).i32(0).i32(0).i64(0));
            MemorySegment host = a.allocate(16);
            gpu.download(out, host);
            assertEquals(0x6627e8d5, host.getAtIndex(ValueLayout.JAVA_INT, 0), "Random123 known answer from an NVRTC-compiled kernel");
        }
    }

    @Test
    void outOfMemorySaysWhatWasAskedAndWhatIsFree() {
        long total = gpu.driver().memInfo().total();
        OutOfDeviceMemoryException e = assertThrows(OutOfDeviceMemoryException.class, () -> gpu.allocate(total + (1L << 30), "a test buffer"));
        assertTrue(e.getMessage().startsWith("out of GPU memory allocating a test buffer: asked "), e.getMessage());
        assertTrue(e.getMessage().contains("free of") && e.getMessage().contains("--batch"), e.getMessage());
        assertTrue(e.free() >= 0 && e.free() <= total);
        System.out.println("gpu out of memory: " + e.getMessage());
    }

    @Test
    void aCompileErrorCarriesNvrtcsLog() {
        CudaException e = assertThrows(CudaException.class, () -> gpu.compile("bad.cu", "extern \"C\" __global__ void k() { nope(); }"));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void eventsTimeTheStream() {
        Driver d = gpu.driver();
        MemorySegment start = d.eventCreate(Driver.CU_EVENT_DEFAULT);
        MemorySegment end = d.eventCreate(Driver.CU_EVENT_DEFAULT);
        try (DeviceMemory buffer = gpu.allocate(64L << 20, "timed memset")) {
            d.eventRecord(start, gpu.stream());
            d.memsetAsync(buffer.pointer(), (byte) 0, buffer.bytes(), gpu.stream());
            d.eventRecord(end, gpu.stream());
            d.eventSynchronize(end);
            float ms = d.eventElapsedMillis(start, end);
            assertTrue(ms >= 0, "elapsed " + ms);
            System.out.println("gpu: 64 MiB memset took " + ms + " ms");
        } finally {
            d.eventDestroy(start);
            d.eventDestroy(end);
        }
    }
}
