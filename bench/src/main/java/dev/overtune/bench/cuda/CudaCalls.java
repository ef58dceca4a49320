package dev.overtune.bench.cuda;

/**
 * The calls the benchmark times, through one binding: a 4 KiB host-to-device copy and an empty
 * kernel launch, each on a non-blocking stream of device 0's primary context and followed by a
 * stream synchronise, so every operation is complete when the call returns.
 */
interface CudaCalls extends AutoCloseable {
    int COPY_BYTES = 4096;

    void copy4KiB();

    void emptyLaunch();

    @Override
    void close();
}
