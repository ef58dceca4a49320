package dev.overtune.cuda.driver;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API ({@code libcuda.so.1}) through FFM: one {@code static final} handle per
 * function, bound once; every non-zero CUresult becomes a {@link CudaException} naming the call and
 * the driver's error name and text. Handles of the C API appear as they are: {@code CUdevice} an
 * int, {@code CUdeviceptr} a long, contexts, streams, events, modules and functions opaque
 * {@link MemorySegment} pointers. Symbol names are those CUDA 13's {@code cuda.h} compiles to
 * (the {@code _v2} variants where the header maps to them).
 */
public final class Driver {
    // cuda.h, enum CUdevice_attribute.
    public static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    public static final int CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13;
    public static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    // cuda.h, enum CUstream_flags and CUevent_flags.
    public static final int CU_STREAM_DEFAULT = 0;
    public static final int CU_STREAM_NON_BLOCKING = 1;
    public static final int CU_EVENT_DEFAULT = 0;
    public static final int CU_EVENT_BLOCKING_SYNC = 1;
    public static final int CU_EVENT_DISABLE_TIMING = 2;
    // cuda.h, enum CUjit_option: the JIT's logs, each a buffer and its size (in: capacity, out: bytes written).
    public static final int CU_JIT_INFO_LOG_BUFFER = 3;
    public static final int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    public static final int CU_JIT_ERROR_LOG_BUFFER = 5;
    public static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    private static final int JIT_LOG_BYTES = 16 * 1024;

    /** Every function bound below, as its C prototype in cuda.h reads; a class of its own so that reading it loads no library. */
    static final class Downcalls {
        static final Downcall cuGetErrorName = Downcall.of(FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), "cuGetErrorName");
        static final Downcall cuGetErrorString = Downcall.of(FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), "cuGetErrorString");
        static final Downcall cuInit = Downcall.of(FunctionDescriptor.of(JAVA_INT, JAVA_INT), "cuInit");
        static final Downcall cuDriverGetVersion = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuDriverGetVersion");
        static final Downcall cuDeviceGetCount = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuDeviceGetCount");
        static final Downcall cuDeviceGet = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuDeviceGet");
        static final Downcall cuDeviceGetName = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), "cuDeviceGetName");
        static final Downcall cuDeviceGetAttribute = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), "cuDeviceGetAttribute");
        static final Downcall cuDevicePrimaryCtxRetain = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuDevicePrimaryCtxRetain");
        static final Downcall cuDevicePrimaryCtxRelease = Downcall.of(FunctionDescriptor.of(JAVA_INT, JAVA_INT), "cuDevicePrimaryCtxRelease_v2");
        static final Downcall cuCtxSetCurrent = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuCtxSetCurrent");
        static final Downcall cuCtxSynchronize = Downcall.of(FunctionDescriptor.of(JAVA_INT), "cuCtxSynchronize");
        static final Downcall cuMemGetInfo = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "cuMemGetInfo_v2");
        static final Downcall cuMemAlloc = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), "cuMemAlloc_v2");
        static final Downcall cuMemFree = Downcall.of(FunctionDescriptor.of(JAVA_INT, JAVA_LONG), "cuMemFree_v2");
        // uc is C's unsigned char, passed as an int memsetAsync zero-extends: the linker sign-extends a JAVA_BYTE to
        // 32 bits, and callees built by clang count on an unsigned char arriving zero-extended.
        static final Downcall cuMemsetD8Async = Downcall.of(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS), "cuMemsetD8Async");
        static final Downcall cuMemcpyHtoDAsync = Downcall.of(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS), "cuMemcpyHtoDAsync_v2");
        static final Downcall cuMemcpyDtoHAsync = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS), "cuMemcpyDtoHAsync_v2");
        static final Downcall cuMemcpyDtoDAsync = Downcall.of(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), "cuMemcpyDtoDAsync_v2");
        static final Downcall cuStreamCreate = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuStreamCreate");
        static final Downcall cuStreamDestroy = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuStreamDestroy_v2");
        static final Downcall cuStreamSynchronize = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuStreamSynchronize");
        static final Downcall cuEventCreate = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuEventCreate");
        static final Downcall cuEventRecord = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "cuEventRecord");
        static final Downcall cuEventSynchronize = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuEventSynchronize");
        // CUDA 13 maps cuEventElapsedTime to _v2 (added in 12.8, same signature); older drivers have only the plain one.
        static final Downcall cuEventElapsedTime = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), "cuEventElapsedTime_v2", "cuEventElapsedTime");
        static final Downcall cuEventDestroy = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuEventDestroy_v2");
        static final Downcall cuModuleLoadDataEx = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS), "cuModuleLoadDataEx");
        static final Downcall cuModuleUnload = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cuModuleUnload");
        static final Downcall cuModuleGetFunction = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), "cuModuleGetFunction");
        static final Downcall cuLaunchKernel = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS), "cuLaunchKernel");

        private Downcalls() {}
    }

    private static final Binder BIND = new Binder(NativeLibrary.locate(LibrarySpec.DRIVER));
    private static final MethodHandle cuGetErrorName = BIND.bind(Downcalls.cuGetErrorName);
    private static final MethodHandle cuGetErrorString = BIND.bind(Downcalls.cuGetErrorString);
    private static final MethodHandle cuInit = BIND.bind(Downcalls.cuInit);
    private static final MethodHandle cuDriverGetVersion = BIND.bind(Downcalls.cuDriverGetVersion);
    private static final MethodHandle cuDeviceGetCount = BIND.bind(Downcalls.cuDeviceGetCount);
    private static final MethodHandle cuDeviceGet = BIND.bind(Downcalls.cuDeviceGet);
    private static final MethodHandle cuDeviceGetName = BIND.bind(Downcalls.cuDeviceGetName);
    private static final MethodHandle cuDeviceGetAttribute = BIND.bind(Downcalls.cuDeviceGetAttribute);
    private static final MethodHandle cuDevicePrimaryCtxRetain = BIND.bind(Downcalls.cuDevicePrimaryCtxRetain);
    private static final MethodHandle cuDevicePrimaryCtxRelease = BIND.bind(Downcalls.cuDevicePrimaryCtxRelease);
    private static final MethodHandle cuCtxSetCurrent = BIND.bind(Downcalls.cuCtxSetCurrent);
    private static final MethodHandle cuCtxSynchronize = BIND.bind(Downcalls.cuCtxSynchronize);
    private static final MethodHandle cuMemGetInfo = BIND.bind(Downcalls.cuMemGetInfo);
    private static final MethodHandle cuMemAlloc = BIND.bind(Downcalls.cuMemAlloc);
    private static final MethodHandle cuMemFree = BIND.bind(Downcalls.cuMemFree);
    private static final MethodHandle cuMemsetD8Async = BIND.bind(Downcalls.cuMemsetD8Async);
    private static final MethodHandle cuMemcpyHtoDAsync = BIND.bind(Downcalls.cuMemcpyHtoDAsync);
    private static final MethodHandle cuMemcpyDtoHAsync = BIND.bind(Downcalls.cuMemcpyDtoHAsync);
    private static final MethodHandle cuMemcpyDtoDAsync = BIND.bind(Downcalls.cuMemcpyDtoDAsync);
    private static final MethodHandle cuStreamCreate = BIND.bind(Downcalls.cuStreamCreate);
    private static final MethodHandle cuStreamDestroy = BIND.bind(Downcalls.cuStreamDestroy);
    private static final MethodHandle cuStreamSynchronize = BIND.bind(Downcalls.cuStreamSynchronize);
    private static final MethodHandle cuEventCreate = BIND.bind(Downcalls.cuEventCreate);
    private static final MethodHandle cuEventRecord = BIND.bind(Downcalls.cuEventRecord);
    private static final MethodHandle cuEventSynchronize = BIND.bind(Downcalls.cuEventSynchronize);
    private static final MethodHandle cuEventElapsedTime = BIND.bind(Downcalls.cuEventElapsedTime);
    private static final MethodHandle cuEventDestroy = BIND.bind(Downcalls.cuEventDestroy);
    private static final MethodHandle cuModuleLoadDataEx = BIND.bind(Downcalls.cuModuleLoadDataEx);
    private static final MethodHandle cuModuleUnload = BIND.bind(Downcalls.cuModuleUnload);
    private static final MethodHandle cuModuleGetFunction = BIND.bind(Downcalls.cuModuleGetFunction);
    private static final MethodHandle cuLaunchKernel = BIND.bind(Downcalls.cuLaunchKernel);

    private static final Outcome<Driver> INSTANCE = BIND.outcome().map(Driver::new);

    private final NativeLibrary library;

    private Driver(NativeLibrary library) {
        this.library = library;
    }

    /** The bound driver library, or why there is none. Nothing is called yet: see {@link #init()}. */
    public static Outcome<Driver> load() {
        return INSTANCE;
    }

    public NativeLibrary library() {
        return library;
    }

    /** Free and total device memory of the current context, in bytes. */
    public record MemInfo(long free, long total) {}

    public void init() {
        try {
            check("cuInit", (int) cuInit.invokeExact(0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The driver's CUDA version as 1000 × major + 10 × minor (13000 for CUDA 13.0). */
    public int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cuDriverGetVersion", (int) cuDriverGetVersion.invokeExact(out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cuDeviceGetCount", (int) cuDeviceGetCount.invokeExact(out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cuDeviceGet", (int) cuDeviceGet.invokeExact(out, ordinal));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(256);
            check("cuDeviceGetName", (int) cuDeviceGetName.invokeExact(out, 256, device));
            return out.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int attribute(int attribute, int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cuDeviceGetAttribute", (int) cuDeviceGetAttribute.invokeExact(out, attribute, device));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Compute capability as 10 × major + minor (90 for Hopper). */
    public int computeCapability(int device) {
        return 10 * attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device)
                + attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
    }

    public MemorySegment primaryContextRetain(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) cuDevicePrimaryCtxRetain.invokeExact(out, device));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void primaryContextRelease(int device) {
        try {
            check("cuDevicePrimaryCtxRelease_v2", (int) cuDevicePrimaryCtxRelease.invokeExact(device));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void setCurrent(MemorySegment context) {
        try {
            check("cuCtxSetCurrent", (int) cuCtxSetCurrent.invokeExact(context));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void synchronizeContext() {
        try {
            check("cuCtxSynchronize", (int) cuCtxSynchronize.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemInfo memInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            check("cuMemGetInfo_v2", (int) cuMemGetInfo.invokeExact(free, total));
            return new MemInfo(free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Raw allocation; {@code dev.overtune.cuda.DeviceMemory} adds the out-of-memory explanation. */
    public long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check("cuMemAlloc_v2", (int) cuMemAlloc.invokeExact(out, bytes));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memFree(long pointer) {
        try {
            check("cuMemFree_v2", (int) cuMemFree.invokeExact(pointer));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memsetAsync(long pointer, byte value, long bytes, MemorySegment stream) {
        try {
            check("cuMemsetD8Async", (int) cuMemsetD8Async.invokeExact(pointer, value & 0xFF, bytes, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Host to device; the host memory must stay valid (and unchanged) until the stream reaches the copy. */
    public void copyToDeviceAsync(long device, MemorySegment host, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyHtoDAsync_v2", (int) cuMemcpyHtoDAsync.invokeExact(device, host, bytes, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void copyToHostAsync(MemorySegment host, long device, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyDtoHAsync_v2", (int) cuMemcpyDtoHAsync.invokeExact(host, device, bytes, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void copyOnDeviceAsync(long target, long source, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyDtoDAsync_v2", (int) cuMemcpyDtoDAsync.invokeExact(target, source, bytes, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment streamCreate(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuStreamCreate", (int) cuStreamCreate.invokeExact(out, flags));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void streamDestroy(MemorySegment stream) {
        try {
            check("cuStreamDestroy_v2", (int) cuStreamDestroy.invokeExact(stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void streamSynchronize(MemorySegment stream) {
        try {
            check("cuStreamSynchronize", (int) cuStreamSynchronize.invokeExact(stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment eventCreate(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cuEventCreate", (int) cuEventCreate.invokeExact(out, flags));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void eventRecord(MemorySegment event, MemorySegment stream) {
        try {
            check("cuEventRecord", (int) cuEventRecord.invokeExact(event, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void eventSynchronize(MemorySegment event) {
        try {
            check("cuEventSynchronize", (int) cuEventSynchronize.invokeExact(event));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Milliseconds between two recorded, completed events. */
    public float eventElapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_FLOAT);
            check("cuEventElapsedTime", (int) cuEventElapsedTime.invokeExact(out, start, end));
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void eventDestroy(MemorySegment event) {
        try {
            check("cuEventDestroy_v2", (int) cuEventDestroy.invokeExact(event));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A loaded module and what the JIT said while loading it (empty for a cubin, usually). */
    public record LoadedModule(MemorySegment module, String infoLog) {}

    /**
     * Loads a NUL-terminated PTX text or a cubin/fatbin image into the current context, with the
     * JIT's error and info logs captured: a failure's CudaException carries the error log (why the
     * PTX or cubin was refused), which cuModuleLoadData would lose.
     */
    public LoadedModule moduleLoad(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            MemorySegment errorLog = a.allocate(JIT_LOG_BYTES);
            MemorySegment infoLog = a.allocate(JIT_LOG_BYTES);
            MemorySegment options = a.allocateFrom(JAVA_INT, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                    CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES);
            // Option values are void*: the sizes travel as integers in pointer-sized slots.
            MemorySegment values = a.allocate(ADDRESS, 4);
            values.setAtIndex(ADDRESS, 0, errorLog);
            values.setAtIndex(JAVA_LONG, 1, JIT_LOG_BYTES);
            values.setAtIndex(ADDRESS, 2, infoLog);
            values.setAtIndex(JAVA_LONG, 3, JIT_LOG_BYTES);
            int status = (int) cuModuleLoadDataEx.invokeExact(out, image, 4, options, values);
            if (status != CuResult.CUDA_SUCCESS) {
                String log = errorLog.getString(0).strip();
                CudaException e = error("cuModuleLoadDataEx", status);
                throw log.isEmpty() ? e : new CudaException("cuModuleLoadDataEx", status, e.getMessage() + "; JIT log: " + Nvrtc.oneLine(log));
            }
            return new LoadedModule(out.get(ADDRESS, 0), infoLog.getString(0).strip());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void moduleUnload(MemorySegment module) {
        try {
            check("cuModuleUnload", (int) cuModuleUnload.invokeExact(module));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment moduleFunction(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int status = (int) cuModuleGetFunction.invokeExact(out, module, a.allocateFrom(name));
            if (status != 0) {
                throw error("cuModuleGetFunction(\"" + name + "\")", status);
            }
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Launches a kernel; kernelParams is an array of pointers, one per kernel argument, each to the
     * argument's value (the layout {@code dev.overtune.cuda.KernelArgs} builds).
     */
    public void launch(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                       int sharedBytes, MemorySegment stream, MemorySegment kernelParams) {
        try {
            check("cuLaunchKernel", (int) cuLaunchKernel.invokeExact(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                    sharedBytes, stream, kernelParams, MemorySegment.NULL));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Throws a {@link CudaException} for a failed call. */
    static void check(String call, int status) {
        if (status != CuResult.CUDA_SUCCESS) {
            throw error(call, status);
        }
    }

    static CudaException error(String call, int status) {
        return new CudaException(call, status, errorName(status), errorString(status));
    }

    /** The driver's name for a status (falls back to CUDA 13's table when the driver does not know it). */
    static String errorName(int status) {
        String name = describe(cuGetErrorName, status);
        return name != null ? name : CuResult.name(status);
    }

    static String errorString(int status) {
        String text = describe(cuGetErrorString, status);
        return text != null ? text : "";
    }

    private static String describe(MethodHandle function, int status) {
        if (function == null) {
            return null;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            if ((int) function.invokeExact(status, out) != 0) {
                return null;
            }
            MemorySegment text = out.get(ADDRESS, 0);
            return text.equals(MemorySegment.NULL) ? null : text.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("unexpected checked exception from a native call", t);
    }
}
