package dev.overtune.cuda;

import dev.overtune.cuda.driver.Bytes;
import dev.overtune.cuda.driver.CuResult;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.cuda.driver.CudaException;
import dev.overtune.cuda.driver.Driver;
import dev.overtune.cuda.driver.Nvrtc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One GPU made ready to work: its primary context current on the opening thread, a non-blocking
 * stream, a cuBLAS handle bound to that stream, and NVRTC for kernels compiled at run time. It is
 * what {@code dev.overtune.backends.CudaBackends.open()} hands out; a CUDA backend builds on it. Not thread-safe: use it
 * from the thread that opened it (or call {@link #makeCurrent()} first).
 */
public final class CudaDevice implements AutoCloseable {
    /** The setting named when an allocation does not fit. */
    public static final String LOWER_MEMORY_HINT = "lower --batch (sequences per step) or --seq-len";

    private final Driver driver;
    private final Cublas cublas;
    private final Nvrtc nvrtc;
    private final int ordinal;
    private final int device;
    private final String name;
    private final int computeCapability;
    private final int driverVersion;
    private final MemorySegment context;
    private final MemorySegment stream;
    private final MemorySegment cublasHandle;
    private final ModuleCache cache = ModuleCache.standard();
    private boolean closed;

    private CudaDevice(Driver driver, Cublas cublas, Nvrtc nvrtc, int ordinal, int device, String name, int computeCapability,
                       int driverVersion, MemorySegment context, MemorySegment stream, MemorySegment cublasHandle) {
        this.driver = driver;
        this.cublas = cublas;
        this.nvrtc = nvrtc;
        this.ordinal = ordinal;
        this.device = device;
        this.name = name;
        this.computeCapability = computeCapability;
        this.driverVersion = driverVersion;
        this.context = context;
        this.stream = stream;
        this.cublasHandle = cublasHandle;
    }

    /** Retains the device's primary context and creates the stream and cuBLAS handle; undone in order on failure. */
    public static CudaDevice open(Driver driver, Cublas cublas, Nvrtc nvrtc, int ordinal, String name, int computeCapability, int driverVersion) {
        int device = driver.device(ordinal);
        MemorySegment context = driver.primaryContextRetain(device);
        MemorySegment stream = null;
        MemorySegment handle = null;
        try {
            driver.setCurrent(context);
            stream = driver.streamCreate(Driver.CU_STREAM_NON_BLOCKING);
            handle = cublas.create();
            cublas.setStream(handle, stream);
            CudaDevice opened = new CudaDevice(driver, cublas, nvrtc, ordinal, device, name, computeCapability, driverVersion, context, stream, handle);
            logVersionsOnce(opened);
            return opened;
        } catch (RuntimeException e) {
            MemorySegment createdStream = stream;
            MemorySegment createdHandle = handle;
            throw Release.after(e,
                    () -> { if (createdHandle != null) cublas.destroy(createdHandle); },
                    () -> { if (createdStream != null) driver.streamDestroy(createdStream); },
                    () -> driver.primaryContextRelease(device));
        }
    }

    private static final AtomicBoolean VERSIONS_LOGGED = new AtomicBoolean();

    private static final System.Logger LOG = System.getLogger(CudaDevice.class.getName());

    /** Which driver and compilers this process runs with, logged once (INFO, {@link System.Logger}) at the first device opened. */
    private static void logVersionsOnce(CudaDevice d) {
        if (VERSIONS_LOGGED.compareAndSet(false, true)) {
            int[] v = d.nvrtc.version();
            LOG.log(System.Logger.Level.INFO, "CUDA driver " + version(d.driverVersion) + " (" + d.driver.library() + "), NVRTC " + v[0] + "." + v[1]
                    + " (" + d.nvrtc.library() + "), " + d.cublas.library() + "; " + d.name + ", compute " + d.computeCapability / 10 + "."
                    + d.computeCapability % 10);
        }
    }

    /** 12080 → "12.8". */
    static String version(int cudaVersion) {
        return cudaVersion / 1000 + "." + cudaVersion % 1000 / 10;
    }

    public Driver driver() {
        return driver;
    }

    public Cublas cublas() {
        return cublas;
    }

    public Nvrtc nvrtc() {
        return nvrtc;
    }

    public MemorySegment stream() {
        return stream;
    }

    public MemorySegment cublasHandle() {
        return cublasHandle;
    }

    public String name() {
        return name;
    }

    /** 10 × major + minor. */
    public int computeCapability() {
        return computeCapability;
    }

    public void makeCurrent() {
        checkOpen();
        driver.setCurrent(context);
    }

    /** A one-line description: ordinal, name, compute capability, memory, driver and library versions. */
    public String describe() {
        makeCurrent();
        Driver.MemInfo memory = driver.memInfo();
        int[] nvrtcVersion = nvrtc.version();
        return "GPU " + ordinal + ": " + name + ", compute " + computeCapability / 10 + "." + computeCapability % 10
                + ", " + Bytes.human(memory.free()) + " free of " + Bytes.human(memory.total())
                + ", driver CUDA " + version(driverVersion)
                + ", " + driver.library() + ", " + cublas.library() + " (cuBLAS " + cublas.version(cublasHandle) + ")"
                + ", " + nvrtc.library() + " (NVRTC " + nvrtcVersion[0] + "." + nvrtcVersion[1] + ")";
    }

    /** Allocates device memory; see {@link DeviceMemory} for the out-of-memory message. */
    public DeviceMemory allocate(long bytes, String what) {
        return allocate(bytes, what, LOWER_MEMORY_HINT);
    }

    public DeviceMemory allocate(long bytes, String what, String lowerWith) {
        makeCurrent();
        return DeviceMemory.allocate(driver, bytes, what, lowerWith);
    }

    /** Copies host memory to the device and waits for the copy. */
    public void upload(MemorySegment host, DeviceMemory target) {
        makeCurrent();
        long bytes = Math.min(host.byteSize(), target.bytes());
        driver.copyToDeviceAsync(target.pointer(), host, bytes, stream);
        driver.streamSynchronize(stream);
    }

    /** Copies device memory to the host and waits for the copy. */
    public void download(DeviceMemory source, MemorySegment host) {
        makeCurrent();
        long bytes = Math.min(host.byteSize(), source.bytes());
        driver.copyToHostAsync(host, source.pointer(), bytes, stream);
        driver.streamSynchronize(stream);
    }

    /** Enqueues a copy of bytes from source to target, both on this device, on the stream; returns at once. */
    public void copyOnDevice(long target, long source, long bytes) {
        makeCurrent();
        driver.copyOnDeviceAsync(target, source, bytes, stream);
    }

    /** Enqueues zero-filling of bytes at pointer on the stream; returns at once. */
    public void zero(long pointer, long bytes) {
        makeCurrent();
        driver.memsetAsync(pointer, (byte) 0, bytes, stream);
    }

    public void synchronize() {
        makeCurrent();
        driver.streamSynchronize(stream);
    }

    /**
     * Loads one of overtune's kernel modules: the jar's PTX for this device's architecture when the
     * driver accepts it; otherwise (no PTX in the jar, or PTX newer than the driver understands)
     * the source compiled here by NVRTC for this device.
     */
    public CudaModule load(KernelModule module) {
        makeCurrent();
        Optional<Integer> arch = KernelModule.ptxArchitecture(computeCapability);
        if (arch.isPresent()) {
            Optional<String> ptx = module.ptx(arch.get());
            if (ptx.isPresent()) {
                try {
                    return loadImage(ptx.get().getBytes(StandardCharsets.US_ASCII), true, "PTX compute_" + arch.get() + " from the jar");
                } catch (CudaException e) {
                    if (e.status() != CuResult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION && e.status() != CuResult.CUDA_ERROR_INVALID_PTX) {
                        throw e;
                    }
                    // PTX from a newer toolkit than the driver: fall back to NVRTC, which matches the installed CUDA.
                }
            }
        }
        return compile(module.fileName(), module.source());
    }

    /**
     * Compiles CUDA C with NVRTC for this device and loads it (the path generated kernels take):
     * machine code for exactly this architecture (sm_XX, no JIT at load) with the PTX beside it as
     * the fallback when the driver refuses the cubin; both kept in the {@link ModuleCache}, so the
     * same source is compiled once per NVRTC version and architecture.
     */
    public CudaModule compile(String name, String source) {
        makeCurrent();
        Map<String, String> headers = KernelModule.headers();
        List<String> options = List.of(Nvrtc.cubinArchitectureOption(computeCapability), "--std=c++17");
        int[] nvrtcVersion = nvrtc.version();
        String key = ModuleCache.key(source, headers, options, nvrtcVersion, computeCapability);
        String compiler = "NVRTC " + nvrtcVersion[0] + "." + nvrtcVersion[1] + " sm_" + computeCapability;
        Optional<Nvrtc.Compiled> cached = cache.get(key);
        Nvrtc.Compiled compiled = cached.orElseGet(() -> nvrtc.compile(name, source, headers, options));
        if (cached.isEmpty()) {
            cache.put(key, compiled);
        }
        String from = cached.isPresent() ? " (cached in " + cache.directory() + ")" : "";
        CudaException refused = null;
        if (compiled.cubin().length > 0) {
            try {
                return loadImage(compiled.cubin(), false, compiler + " cubin" + from);
            } catch (CudaException e) {
                refused = e; // a driver that cannot take this cubin may still JIT the PTX
            }
        }
        try {
            return loadImage(compiled.ptx().getBytes(StandardCharsets.US_ASCII), true,
                    compiler + " PTX" + from + (refused == null ? "" : " (the cubin was refused: " + refused.getMessage() + ")"));
        } catch (CudaException e) {
            CudaException thrown = e.status() == CuResult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION ? olderDriver(nvrtcVersion, compiled.ptx(), e) : e;
            if (refused != null) {
                thrown.addSuppressed(refused);
            }
            throw thrown;
        }
    }

    /** The one line for PTX newer than the driver: both versions, and the two ways out. */
    private CudaException olderDriver(int[] nvrtcVersion, String ptx, CudaException e) {
        Matcher m = PTX_VERSION.matcher(ptx);
        String isa = m.find() ? " (PTX ISA " + m.group(1) + ")" : "";
        return new CudaException(e.call(), e.status(), "the NVIDIA driver supports CUDA " + version(driverVersion) + " but NVRTC "
                + nvrtcVersion[0] + "." + nvrtcVersion[1] + " wrote PTX for CUDA " + nvrtcVersion[0] + "." + nvrtcVersion[1] + isa
                + ", which it cannot load (CUDA_ERROR_UNSUPPORTED_PTX_VERSION): install a driver for CUDA " + nvrtcVersion[0] + "."
                + nvrtcVersion[1] + " or newer, or set OVERTUNE_NVRTC to an NVRTC no newer than CUDA " + version(driverVersion));
    }

    private static final Pattern PTX_VERSION = Pattern.compile("(?m)^\\.version\\s+(\\d+\\.\\d+)");

    /** Loads an image (PTX text gets its terminating NUL) with the JIT's log captured. */
    private CudaModule loadImage(byte[] image, boolean text, String origin) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(image.length + (text ? 1 : 0), 16);
            MemorySegment.copy(image, 0, segment, ValueLayout.JAVA_BYTE, 0, image.length);
            return new CudaModule(driver, driver.moduleLoad(segment).module(), origin);
        }
    }

    /** Launches a 1-D grid on this device's stream. */
    public void launch(MemorySegment function, int blocks, int threads, int sharedBytes, KernelArgs args) {
        makeCurrent();
        driver.launch(function, blocks, 1, 1, threads, 1, 1, sharedBytes, stream, args.segment());
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA device used after close");
        }
    }

    /**
     * Synchronises, then destroys the cuBLAS handle and the stream and releases the context, each
     * in its own try: after a kernel fault every call fails, and the rest must still be released.
     * The first failure is thrown, the others suppressed on it.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Release.all(
                () -> driver.setCurrent(context),
                () -> driver.streamSynchronize(stream),
                () -> cublas.destroy(cublasHandle),
                () -> driver.streamDestroy(stream),
                () -> driver.primaryContextRelease(device));
    }
}
