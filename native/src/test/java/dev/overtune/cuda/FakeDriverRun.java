package dev.overtune.cuda;

import dev.overtune.backend.Backend;
import dev.overtune.backends.CudaBackends;
import dev.overtune.checkpoint.ModelWeights;
import dev.overtune.cuda.driver.CuResult;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.cuda.driver.CudaException;
import dev.overtune.cuda.driver.Driver;
import dev.overtune.cuda.driver.Outcome;
import dev.overtune.cuda.exec.CudaBackend;
import dev.overtune.cuda.exec.CudaProgram;
import dev.overtune.data.Batch;
import dev.overtune.graph.Graph;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ModelConfigs;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Quantization;
import dev.overtune.scan.Scan;
import dev.overtune.scan.ScanCheckpoint;
import dev.overtune.scan.ScanSettings;
import dev.overtune.scan.TextTask;
import dev.overtune.tensor.HostTensor;
import dev.overtune.text.ByteTokenizer;
import dev.overtune.train.AdamW;
import dev.overtune.train.Evaluator;
import dev.overtune.train.LrSchedule;
import dev.overtune.train.TrainConfig;
import dev.overtune.train.Trainer;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Runs in a JVM whose environment points overtune at the checking fake driver (FakeCuda): the GPU
 * code paths ({@code paths}) or deliberate faults and failures ({@code checks}), then prints the
 * fake's counts and findings as {@code fake-run: …} lines for FakeDriverTest (or gpu-check's dry
 * run) to read. Results of kernels are garbage under the fake (nothing runs), so nothing here
 * compares numbers; what is checked is every argument the code hands the driver and cuBLAS.
 */
public final class FakeDriverRun {
    private FakeDriverRun() {}

    public static void main(String[] args) throws Throwable {
        Outcome<Driver> driver = Driver.load();
        if (!driver.available() || !driver.orElseThrow().library().location().contains("fake-cuda")) {
            System.out.println("fake-run: not under the fake driver: " + (driver.available() ? driver.orElseThrow().library() : driver.reason()));
            System.exit(3);
        }
        Stats stats = new Stats(Path.of(driver.orElseThrow().library().location()));
        Outcome<CudaDevice> opened = CudaBackends.open();
        if (!opened.available()) {
            System.out.println("fake-run: no device under the fake: " + opened.reason());
            System.exit(3);
        }
        opened.orElseThrow().close();
        long start = System.nanoTime();
        switch (args.length > 0 ? args[0] : "") {
            case "paths" -> paths(args.length > 1 && args[1].equals("--with-124m"));
            case "checks" -> checks(stats);
            case "residency" -> residency(stats);
            default -> throw new IllegalArgumentException("usage: FakeDriverRun paths [--with-124m] | checks | residency");
        }
        System.out.printf("fake-run: seconds=%.1f%n", (System.nanoTime() - start) / 1e9);
        stats.print();
        System.exit(0);
    }

    // ---- the GPU code paths ----

    private static void paths(boolean with124m) {
        runGpuTests();
        for (String fixture : List.of("gpt2-tiny", "neox-tiny", "neox-sequential-tiny", "llama-tiny", "olmo2-tiny")) {
            for (Cublas.Precision precision : List.of(Cublas.Precision.TF32, Cublas.Precision.BF16)) {
                trainAndEvaluate(fixture, precision);
            }
        }
        if (with124m) {
            try (CudaBackend cuda = new CudaBackend(CudaBackends.open().orElseThrow(), Cublas.Precision.BF16)) {
                System.out.println("fake-run: 124m: " + Gpt2StepThroughput.measure(cuda).describe() + " (timing meaningless under the fake)");
            }
        }
    }

    /** The GPU test classes: their code runs up to their first comparison of numbers, which under the fake fails (not meaningful). */
    private static void runGpuTests() {
        int[] counts = new int[3];
        List<String> errors = new ArrayList<>();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest()) {
                    return;
                }
                switch (result.getStatus()) {
                    case SUCCESSFUL -> counts[0]++;
                    case FAILED -> {
                        counts[1]++;
                        // Wrong numbers are expected; a CudaException is a call the fake refused, worth seeing.
                        result.getThrowable().filter(t -> !(t instanceof AssertionError))
                                .ifPresent(t -> errors.add(id.getDisplayName() + ": " + t));
                    }
                    case ABORTED -> counts[2]++;
                }
            }
        };
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectPackage("dev.overtune.cuda"))
                .filters(org.junit.platform.launcher.TagFilter.includeTags("gpu")).build(), listener);
        System.out.println("fake-run: gpu tests: " + counts[0] + " passed, " + counts[1] + " failed, " + counts[2]
                + " skipped (results not meaningful under the fake)");
        for (String e : errors) {
            System.out.println("fake-run: gpu test error: " + e.replace('\n', ' '));
        }
    }

    /** Two training steps (device-resident state) and one evaluation of a fixture's model, randomly initialised. */
    private static void trainAndEvaluate(String fixture, Cublas.Precision precision) {
        Path dir = Path.of(System.getProperty("overtune.reference.fixtures", "../engine/src/test/resources/reference")).resolve(fixture);
        if (!Files.isDirectory(dir)) {
            System.out.println("fake-run: no fixture " + dir);
            return;
        }
        LanguageModel model = ModelConfigs.resolve(dir.toString());
        int batch = 2;
        int seq = 32;
        TrainConfig config = new TrainConfig(batch, seq, new LrSchedule(1e-3, 1e-4, 1, 10), AdamW.Config.defaults(), 1.0);
        try (CudaBackend cuda = new CudaBackend(CudaBackends.open().orElseThrow(), precision); Arena arena = Arena.ofShared()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            params.initialize(1);
            try (Trainer t = new Trainer(cuda.trainingStates(), model, params, config, arena)) {
                fill(t.batch(), model.vocabSize());
                t.step();
                t.step();
                t.syncToHost();
            }
            try (Evaluator e = new Evaluator(cuda, model, params, batch, seq, arena, true)) {
                fill(e.batch(), model.vocabSize());
                e.run();
            }
        }
        System.out.println("fake-run: " + fixture + " at " + precision + ": 2 training steps and an evaluation ran");
    }

    private static void fill(Batch batch, int vocab) {
        SplittableRandom random = new SplittableRandom(7);
        for (long i = 0; i < batch.inputIds().size(); i++) {
            batch.inputIds().setLong(i, random.nextInt(vocab));
            batch.targets().setLong(i, random.nextInt(vocab));
            batch.lossMask().setFloat(i, 1f);
        }
    }

    // ---- parameter residency ----

    /**
     * A scan of two checkpoints with base, fine-tune (anchored), noise and quantisation units on the CUDA backend:
     * counts how often the whole parameter block went up (the fake counts host-to-device copies of at least its
     * size), all bytes uploaded, and the launches of the probes' kernels, against what one upload per checkpoint
     * and one launch per perturbed tensor and unit would give. FakeDriverTest asserts them.
     */
    private static void residency(Stats stats) throws Exception {
        LanguageModel model = ModelConfigs.resolve("tiny");
        Path dir = Files.createTempDirectory("fake-residency");
        List<ScanCheckpoint> series = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            ParamStore params = ParamStore.allocate(arena, model.params());
            for (int c = 0; c < 2; c++) {
                params.initialize(10 + c);
                Path at = dir.resolve("ckpt" + c);
                ModelWeights.save(at, model, params, Map.of());
                series.add(new ScanCheckpoint("ckpt" + c, at, 1000L * (c + 1)));
            }
        }
        int[] tokens = new ByteTokenizer().encode("the parameters go up once per checkpoint and stay there. ".repeat(120));
        List<Quantization> formats = List.of(new Quantization(8, 0), new Quantization(4, 32));
        int gammas = 2;
        int samples = 2;
        ScanSettings settings = new ScanSettings(new ScanSettings.Eval(2, 32, 2),
                new ScanSettings.FineTune(List.of(1e-3), List.of(0L), 2, 2, 32, 0, 0.0, 0.1),
                new ScanSettings.Noise(NoiseScale.INIT, List.of(0.5, 1.0), samples, 50), new ScanSettings.Quant(formats), 1);
        long blockBytes = model.params().stream().mapToLong(p -> p.shape().size()).sum() * Float.BYTES;
        stats.watchUploads(blockBytes);
        long uploads = stats.stat("watched_uploads");
        long bytes = stats.stat("upload_bytes");
        long noise = stats.stat("noise_launches");
        long quantize = stats.stat("quantize_launches");
        long deviceCopies = stats.stat("device_copies");
        Scan.Outcome outcome;
        try (CudaBackend cuda = new CudaBackend(CudaBackends.open().orElseThrow(), Cublas.Precision.TF32)) {
            outcome = Scan.builder().series(series).task(new TextTask("residency", tokens)).ood(tokens).settings(settings)
                    .store(dir.resolve("scan.db")).backend(cuda).run();
        }
        long noisyTensors = model.params().stream().filter(p -> p.initStd() > 0 && p.shape().size() > 0).count();
        long matrices = model.params().stream().filter(p -> p.shape().rank() == 2).count();
        int checkpoints = series.size();
        System.out.println("fake-run: residency: " + checkpoints + " checkpoints, " + outcome.plan().units().size() + " units ("
                + outcome.unitsRunNow() + " run), parameter block " + blockBytes + " bytes");
        System.out.println("fake-run: residency_checkpoints=" + checkpoints);
        System.out.println("fake-run: residency_units=" + outcome.unitsRunNow());
        System.out.println("fake-run: residency_block_bytes=" + blockBytes);
        System.out.println("fake-run: residency_block_uploads=" + (stats.stat("watched_uploads") - uploads));
        System.out.println("fake-run: residency_upload_bytes=" + (stats.stat("upload_bytes") - bytes));
        System.out.println("fake-run: residency_noise_launches=" + (stats.stat("noise_launches") - noise));
        System.out.println("fake-run: residency_noise_launches_expected=" + checkpoints * gammas * samples * noisyTensors);
        System.out.println("fake-run: residency_quantize_launches=" + (stats.stat("quantize_launches") - quantize));
        System.out.println("fake-run: residency_quantize_launches_expected=" + checkpoints * formats.size() * matrices);
        System.out.println("fake-run: residency_device_copies=" + (stats.stat("device_copies") - deviceCopies));
    }

    // ---- deliberate faults ----

    private static void checks(Stats stats) throws Throwable {
        try (CudaDevice gpu = CudaBackends.open().orElseThrow(); Arena a = Arena.ofConfined();
             CudaModule elementwise = TestKernels.ELEMENTWISE.load(gpu);
             DeviceMemory small = gpu.allocate(1024, "planted"); DeviceMemory other = gpu.allocate(4096, "planted")) {
            MemorySegment add = elementwise.function("overtune_add");
            stats.expectNone("a correct launch", () -> {
                gpu.launch(add, 1, 256, 0, new KernelArgs(a, 4).pointer(small).pointer(other).pointer(other).i64(256));
                gpu.cublas().gemm(gpu.cublasHandle(), Cublas.Precision.TF32, false, false, 16, 16, 16, 1f, other.pointer(), 16,
                        other.pointer() + 1024, 16, 0f, small.pointer(), 16);
            });
            stats.expect("a launch with a pointer past its allocation", "pointer parameter 0",
                    () -> gpu.launch(add, 1, 256, 0, new KernelArgs(a, 4).pointer(small.pointer() + 4096).pointer(other).pointer(other).i64(256)));
            stats.expect("a launch with an argument missing", "3 arguments for the PTX's 4 parameters",
                    () -> gpu.launch(add, 1, 256, 0, new KernelArgs(a, 4).pointer(small).pointer(other).pointer(other)));
            stats.expect("a launch of 2048 threads per block", "block 2048 x 1 x 1",
                    () -> gpu.launch(add, 1, 2048, 0, new KernelArgs(a, 4).pointer(small).pointer(other).pointer(other).i64(256)));
            stats.expect("a GEMM whose lda is less than its rows", "ldA = 8 is less than the 16 rows",
                    () -> gpu.cublas().gemm(gpu.cublasHandle(), Cublas.Precision.TF32, false, false, 16, 16, 16, 1f, other.pointer(), 8,
                            other.pointer() + 1024, 16, 0f, small.pointer(), 16));
            stats.expect("a GEMM whose output overruns its allocation", "C spans",
                    () -> gpu.cublas().gemm(gpu.cublasHandle(), Cublas.Precision.TF32, false, false, 16, 32, 16, 1f, other.pointer(), 16,
                            other.pointer() + 1024, 16, 0f, small.pointer(), 16));
            stats.expect("a GEMM writing over its input", "overlaps A",
                    () -> gpu.cublas().gemm(gpu.cublasHandle(), Cublas.Precision.TF32, false, false, 16, 16, 16, 1f, other.pointer(), 16,
                            small.pointer(), 16, 0f, other.pointer(), 16));
            stats.expect("a strided batch whose outputs overlap", "the batches' outputs overlap",
                    () -> gpu.cublas().gemmStridedBatched(gpu.cublasHandle(), Cublas.Precision.TF32, false, false, 8, 8, 8, 1f,
                            small.pointer(), 8, 0, small.pointer(), 8, 0, 0f, other.pointer(), 8, 32, 2));
            stats.expect("a GEMM on a misaligned matrix", "is not 16-byte aligned",
                    () -> gpu.cublas().gemm(gpu.cublasHandle(), Cublas.Precision.TF32, false, false, 4, 4, 4, 1f, other.pointer() + 4, 4,
                            other.pointer() + 1024, 4, 0f, small.pointer(), 4));
            gpu.synchronize();
        }
        compiledModulesAreCached();
        releaseSurvivesAFailure(stats);
        olderDriverIsOneLine(stats);
    }

    /** NVRTC's cubin is tried first (the fake refuses it: the PTX fallback loads); a second compile of the source reads the cache. */
    private static void compiledModulesAreCached() {
        String source = "extern \"C\" __global__ void cached_" + ProcessHandle.current().pid() + "(float* x) { x[threadIdx.x] = 2.0f; }\n";
        try (CudaDevice gpu = CudaBackends.open().orElseThrow(); CudaModule first = gpu.compile("cache.cu", source);
             CudaModule second = gpu.compile("cache.cu", source)) {
            check(first.origin().startsWith("NVRTC 13.") && first.origin().contains(" PTX") && first.origin().contains("the cubin was refused")
                    && !first.origin().contains("cached"), "the first compile falls back from the cubin to the PTX: " + first.origin());
            check(second.origin().contains("(cached in "), "the second compile reads the cache: " + second.origin());
            System.out.println("fake-run: cache: first " + first.origin() + "; second " + second.origin());
        }
    }

    /** A failing free in CudaProgram.close and a failing cublasDestroy in CudaDevice.close: everything else is still released. */
    private static void releaseSurvivesAFailure(Stats stats) throws Throwable {
        long allocationsBefore = stats.stat("allocations_live");
        CudaBackend cuda = new CudaBackend(CudaBackends.open().orElseThrow(), Cublas.Precision.TF32);
        Graph graph = TrainingGraphs.eval(ModelConfigs.resolve("tiny"), 1, 8);
        CudaProgram program = cuda.compile(graph);
        long modules = stats.stat("modules_live");
        long allocations = stats.stat("allocations_live");
        check(allocations > allocationsBefore, "the program holds device memory (" + allocations + " live)");
        stats.fail("cuMemFree_v2", 700, 0); // its first free fails, as every call does after a kernel fault
        RuntimeException thrown = null;
        try {
            program.close();
        } catch (RuntimeException e) {
            thrown = e;
        }
        check(thrown instanceof CudaException c && c.status() == 700, "CudaProgram.close surfaces the failed free: " + thrown);
        check(stats.stat("allocations_live") == allocationsBefore + 1, "all but the allocation whose free failed are freed ("
                + stats.stat("allocations_live") + " live, " + allocationsBefore + " before the program, " + allocations + " with it)");
        check(stats.stat("modules_live") == modules - 1, "the module is unloaded though a free failed");
        System.out.println("fake-run: release: CudaProgram.close threw " + thrown.getMessage() + "; its other " + (allocations - allocationsBefore - 1)
                + " allocation(s) freed, its module unloaded");

        stats.fail("cuStreamSynchronize", 700, 0);
        stats.fail("cublasDestroy_v2", 14, 0);
        long streams = stats.stat("streams_live");
        long contexts = stats.stat("contexts_retained");
        thrown = null;
        try {
            cuda.close();
        } catch (RuntimeException e) {
            thrown = e;
        }
        check(thrown instanceof CudaException c && c.call().equals("cuStreamSynchronize") && thrown.getSuppressed().length == 1
                        && thrown.getSuppressed()[0] instanceof CudaException s && s.call().equals("cublasDestroy_v2"),
                "CudaDevice.close surfaces the first failure (the synchronise) with the second (cublasDestroy) suppressed: " + thrown);
        check(stats.stat("streams_live") == streams - 1, "the stream is destroyed though cublasDestroy failed");
        check(stats.stat("contexts_retained") == contexts - 1, "the context is released though cublasDestroy failed");
        System.out.println("fake-run: release: CudaDevice.close threw " + thrown.getMessage() + " (suppressed: " + thrown.getSuppressed()[0].getMessage()
                + "); the stream destroyed, the context released");
    }

    /** A driver older than the PTX NVRTC writes: the load fails in one line naming both versions. */
    private static void olderDriverIsOneLine(Stats stats) {
        stats.setDriverVersion(12080);
        try (CudaDevice gpu = CudaBackends.open().orElseThrow()) {
            String source = "extern \"C\" __global__ void only_for_this_check(float* x) { x[threadIdx.x] = 1.0f; }\n";
            CudaException e = null;
            try (CudaModule ignored = gpu.compile("older-driver.cu", source)) {
                // loaded: wrong
            } catch (CudaException thrown) {
                e = thrown;
            }
            check(e != null && e.status() == CuResult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "PTX newer than a CUDA 12.8 driver is refused: " + e);
            check(!e.getMessage().contains("\n") && e.getMessage().contains("CUDA 12.8") && e.getMessage().contains("NVRTC 13."),
                    "one line naming both versions: " + e.getMessage());
            System.out.println("fake-run: older driver: " + e.getMessage());
        } finally {
            stats.setDriverVersion(13000);
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    /** The fake's own functions (fake_cuda.h), bound in the library the Driver loaded. */
    static final class Stats {
        private final MethodHandle stat;
        private final MethodHandle findingText;
        private final MethodHandle fail;
        private final MethodHandle reset;
        private final MethodHandle setDriverVersion;
        private final MethodHandle watchUploads;

        Stats(Path library) {
            SymbolLookup fake = SymbolLookup.libraryLookup(library, Arena.global());
            Linker linker = Linker.nativeLinker();
            stat = linker.downcallHandle(fake.findOrThrow("fake_cuda_stat"), FunctionDescriptor.of(JAVA_LONG, ADDRESS));
            findingText = linker.downcallHandle(fake.findOrThrow("fake_cuda_finding_text"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
            fail = linker.downcallHandle(fake.findOrThrow("fake_cuda_fail"), FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT));
            reset = linker.downcallHandle(fake.findOrThrow("fake_cuda_reset"), FunctionDescriptor.ofVoid());
            setDriverVersion = linker.downcallHandle(fake.findOrThrow("fake_cuda_set_driver_version"), FunctionDescriptor.ofVoid(JAVA_INT));
            watchUploads = linker.downcallHandle(fake.findOrThrow("fake_cuda_watch_uploads"), FunctionDescriptor.ofVoid(JAVA_LONG));
        }

        long stat(String name) {
            try (Arena a = Arena.ofConfined()) {
                return (long) stat.invokeExact(a.allocateFrom(name));
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        List<String> findings() {
            List<String> out = new ArrayList<>();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment text = a.allocate(1024);
                for (long i = 0; i < stat("findings"); i++) {
                    if ((int) findingText.invokeExact(i, text, 1024) == 0) {
                        break;
                    }
                    out.add(text.getString(0));
                }
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            return out;
        }

        void fail(String symbol, int status, int afterCalls) throws Throwable {
            try (Arena a = Arena.ofConfined()) {
                fail.invokeExact(a.allocateFrom(symbol), status, afterCalls);
            }
        }

        void setDriverVersion(int version) {
            try {
                setDriverVersion.invokeExact(version);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /** From now on, host-to-device copies of at least this many bytes count as "watched_uploads". */
        void watchUploads(long bytes) {
            try {
                watchUploads.invokeExact(bytes);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /** Runs the action and requires no new finding. */
        void expectNone(String what, Runnable action) throws Throwable {
            long before = stat("findings");
            action.run();
            check(stat("findings") == before, what + ": the fake found " + findings().subList((int) before, (int) stat("findings")));
        }

        /** Runs a faulty action (through the bindings) and requires the fake to report it with words naming the fault. */
        void expect(String what, String words, Runnable action) throws Throwable {
            long before = stat("findings");
            action.run();
            List<String> found = findings().subList((int) Math.min(before, findings().size()), findings().size());
            check(found.stream().anyMatch(f -> f.contains(words)), what + ": expected a finding with '" + words + "', got " + found);
            System.out.println("fake-run: planted: " + what + " -> " + found.getFirst());
            reset.invokeExact();
        }

        void print() {
            for (String kind : List.of("launches", "pointer_arguments", "gemms", "gemm_matrices", "modules", "kernels", "cubins_refused",
                    "allocations", "copies", "findings")) {
                System.out.println("fake-run: " + kind + "=" + stat(kind));
            }
            for (String f : findings()) {
                System.out.println("fake-run: finding: " + f);
            }
        }
    }
}
