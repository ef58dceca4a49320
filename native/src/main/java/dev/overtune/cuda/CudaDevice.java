package dev.overtune.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/**
 * One GPU made ready to work: its primary context current on the opening thread, a non-blocking
 * stream, a cuBLAS handle bound to that stream, and NVRTC for kernels compiled at run time. It is
 * what {@link CudaBackends#open()} hands out; a CUDA backend builds on it. Not thread-safe: use it
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
    static CudaDevice open(Driver driver, Cublas cublas, Nvrtc nvrtc, int ordinal, String name, int computeCapability, int driverVersion) {
        int device = driver.device(ordinal);
        MemorySegment context = driver.primaryContextRetain(device);
        MemorySegment stream = null;
        try {
            driver.setCurrent(context);
            stream = driver.streamCreate(Driver.CU_STREAM_NON_BLOCKING);
            MemorySegment handle = cublas.create();
            try {
                cublas.setStream(handle, stream);
            } catch (RuntimeException e) {
                cublas.destroy(handle);
                throw e;
            }
            return new CudaDevice(driver, cublas, nvrtc, ordinal, device, name, computeCapability, driverVersion, context, stream, handle);
        } catch (RuntimeException e) {
            if (stream != null) {
                driver.streamDestroy(stream);
            }
            driver.primaryContextRelease(device);
            throw e;
        }
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
                + ", driver CUDA " + driverVersion / 1000 + "." + driverVersion % 1000 / 10
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
                    return loadPtx(ptx.get(), "PTX compute_" + arch.get() + " from the jar");
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

    /** Compiles CUDA C with NVRTC for this device and loads it (the path generated fused kernels take). */
    public CudaModule compile(String name, String source) {
        makeCurrent();
        String ptx = nvrtc.compileToPtx(name, source, KernelModule.headers(),
                List.of(Nvrtc.architectureOption(computeCapability), "--std=c++17"));
        return loadPtx(ptx, "NVRTC compute_" + computeCapability);
    }

    private CudaModule loadPtx(String ptx, String origin) {
        try (Arena arena = Arena.ofConfined()) {
            return new CudaModule(driver, driver.moduleLoadData(arena.allocateFrom(ptx)), origin);
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

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        driver.setCurrent(context);
        try {
            driver.streamSynchronize(stream);
        } finally {
            cublas.destroy(cublasHandle);
            driver.streamDestroy(stream);
            driver.primaryContextRelease(device);
        }
    }
}
