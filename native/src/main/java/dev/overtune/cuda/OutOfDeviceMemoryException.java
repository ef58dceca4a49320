package dev.overtune.cuda;

import dev.overtune.cuda.driver.Bytes;
import dev.overtune.cuda.driver.CuResult;
import dev.overtune.cuda.driver.CudaException;

/**
 * An allocation the GPU could not satisfy. The message says what was asked, what the driver
 * reports free, and which setting lowers the need, in one line.
 */
public final class OutOfDeviceMemoryException extends CudaException {
    private final long requested;
    private final long free;
    private final long total;

    OutOfDeviceMemoryException(String what, long requested, long free, long total, String lowerWith) {
        super("cuMemAlloc_v2", CuResult.CUDA_ERROR_OUT_OF_MEMORY, message(what, requested, free, total, lowerWith));
        this.requested = requested;
        this.free = free;
        this.total = total;
    }

    static String message(String what, long requested, long free, long total, String lowerWith) {
        String freeText = free < 0 ? "cuMemGetInfo could not say how much is free"
                : "cuMemGetInfo reports " + Bytes.human(free) + " free of " + Bytes.human(total);
        return "out of GPU memory allocating " + what + ": asked " + Bytes.human(requested) + " (" + requested + " bytes), "
                + freeText + "; " + lowerWith + ", or free the GPU (nvidia-smi lists the processes holding it)";
    }

    public long requested() {
        return requested;
    }

    /** Free bytes when the allocation failed, or -1 when the driver could not say. */
    public long free() {
        return free;
    }

    public long total() {
        return total;
    }
}
