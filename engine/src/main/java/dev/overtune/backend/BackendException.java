package dev.overtune.backend;

/** A backend could not compile or run a graph; the message says which and why. */
public final class BackendException extends RuntimeException {
    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }

    public BackendException(String message) {
        super(message);
    }
}
