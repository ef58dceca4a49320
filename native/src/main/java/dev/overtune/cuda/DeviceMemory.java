package dev.overtune.cuda;

import dev.overtune.cuda.driver.CuResult;
import dev.overtune.cuda.driver.CudaException;
import dev.overtune.cuda.driver.Driver;

/** One device allocation (cuMemAlloc_v2), freed on close. */
public final class DeviceMemory implements AutoCloseable {
    private final Driver driver;
    private final long pointer;
    private final long bytes;
    private boolean closed;

    private DeviceMemory(Driver driver, long pointer, long bytes) {
        this.driver = driver;
        this.pointer = pointer;
        this.bytes = bytes;
    }

    /**
     * Allocates bytes in the current context. On CUDA_ERROR_OUT_OF_MEMORY the exception says what
     * was asked, what cuMemGetInfo reports free, and lowerWith (the setting that shrinks the need).
     */
    static DeviceMemory allocate(Driver driver, long bytes, String what, String lowerWith) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a device allocation needs a positive size, got " + bytes + " for " + what);
        }
        try {
            return new DeviceMemory(driver, driver.memAlloc(bytes), bytes);
        } catch (CudaException e) {
            if (e.status() != CuResult.CUDA_ERROR_OUT_OF_MEMORY) {
                throw e;
            }
            long free = -1;
            long total = -1;
            try {
                Driver.MemInfo info = driver.memInfo();
                free = info.free();
                total = info.total();
            } catch (CudaException ignored) {
                // the message says the driver could not tell
            }
            throw new OutOfDeviceMemoryException(what, bytes, free, total, lowerWith);
        }
    }

    /** The CUdeviceptr. */
    public long pointer() {
        checkOpen();
        return pointer;
    }

    public long bytes() {
        return bytes;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("device memory used after close");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            driver.memFree(pointer);
        }
    }
}
