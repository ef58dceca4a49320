package dev.overtune.pretrain;

/** The output directory already holds something this run must not overwrite: another series, or not a series at all. */
public final class SeriesConflictException extends RuntimeException {
    public SeriesConflictException(String message) {
        super(message);
    }
}
