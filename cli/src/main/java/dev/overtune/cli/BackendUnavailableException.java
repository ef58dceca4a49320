package dev.overtune.cli;

/** The backend asked for with {@code --backend} cannot be had on this machine; the message says why and what to do. */
final class BackendUnavailableException extends RuntimeException {
    BackendUnavailableException(String reason) {
        super(reason);
    }
}
