package dev.overtune.bench.cuda;

import dev.overtune.cuda.driver.Driver;
import dev.overtune.cuda.driver.Outcome;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** {@link CudaCalls} through overtune's FFM bindings ({@link Driver}). */
final class FfmCalls implements CudaCalls {
    private final Driver driver;
    private final int device;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment host;
    private MemorySegment stream;
    private long buffer;
    private MemorySegment module;
    private MemorySegment kernel;

    private FfmCalls(Driver driver) {
        this.driver = driver;
        driver.init();
        this.device = driver.device(0);
        driver.setCurrent(driver.primaryContextRetain(device));
        this.host = arena.allocate(COPY_BYTES, 64);
    }

    /** Device 0 ready for the calls, or why not (no driver, no device). */
    static Outcome<CudaCalls> open() {
        Outcome<Driver> driver = Driver.load();
        if (!driver.available()) {
            return Outcome.missing(driver.reason());
        }
        FfmCalls calls = null;
        try {
            calls = new FfmCalls(driver.orElseThrow());
            calls.stream = calls.driver.streamCreate(Driver.CU_STREAM_NON_BLOCKING);
            calls.buffer = calls.driver.memAlloc(COPY_BYTES);
            calls.module = calls.driver.moduleLoad(calls.arena.allocateFrom(EmptyKernel.PTX)).module();
            calls.kernel = calls.driver.moduleFunction(calls.module, EmptyKernel.NAME);
            return Outcome.of(calls);
        } catch (RuntimeException e) {
            if (calls != null) {
                calls.close();
            }
            return Outcome.missing("FFM driver calls failed: " + e.getMessage());
        }
    }

    @Override
    public void copy4KiB() {
        driver.copyToDeviceAsync(buffer, host, COPY_BYTES, stream);
        driver.streamSynchronize(stream);
    }

    @Override
    public void emptyLaunch() {
        driver.launch(kernel, 1, 1, 1, 32, 1, 1, 0, stream, MemorySegment.NULL);
        driver.streamSynchronize(stream);
    }

    @Override
    public void close() {
        try {
            if (module != null) {
                driver.moduleUnload(module);
            }
            if (buffer != 0) {
                driver.memFree(buffer);
            }
            if (stream != null) {
                driver.streamDestroy(stream);
            }
            driver.primaryContextRelease(device);
        } finally {
            arena.close();
        }
    }
}
