package dev.overtune.cuda.driver;

/** CUDA was asked for where it cannot be had; the message is the one-line reason. */
public final class CudaUnavailableException extends RuntimeException {
    public CudaUnavailableException(String reason) {
        super(reason);
    }
}
