package dev.overtune.cuda.driver;

/**
 * A CUDA, NVRTC or cuBLAS call returned an error status. The message is one line naming the call,
 * the status name and the library's own description, e.g.
 * {@code cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory}.
 */
public class CudaException extends RuntimeException {
    private final String call;
    private final int status;

    public CudaException(String call, int status, String name, String description) {
        this(call, status, format(call, status, name, description));
    }

    public CudaException(String call, int status, String message) {
        super(message);
        this.call = call;
        this.status = status;
    }

    /** The C function that failed, with its ABI suffix (e.g. {@code cuMemAlloc_v2}). */
    public String call() {
        return call;
    }

    /** The raw status code (CUresult, nvrtcResult or cublasStatus_t). */
    public int status() {
        return status;
    }

    static String format(String call, int status, String name, String description) {
        StringBuilder s = new StringBuilder(call).append(": ").append(name == null || name.isBlank() ? "status" : name)
                .append(" (").append(status).append(')');
        if (description != null && !description.isBlank() && !description.equals(name)) {
            s.append(": ").append(description);
        }
        return s.toString().replace('\n', ' ').strip();
    }
}
