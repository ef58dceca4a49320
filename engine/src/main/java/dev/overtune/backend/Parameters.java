package dev.overtune.backend;

import dev.overtune.model.ParamStore;

/**
 * A model's parameters where a backend's programs read them: the host store itself for ONNX Runtime,
 * a device copy for CUDA. Training, evaluation and perturbation share one set, so a scan takes a
 * checkpoint to the device once and every unit after that works there.
 * <p>
 * {@link #host()} is the copy loads write and checkpoints read. The backend's copy and the host copy are
 * made equal only when asked: {@link #syncFromHost()} after host code wrote the store (a load),
 * {@link #syncToHost()} before host code reads it. On the host both are the same memory and both calls
 * do nothing.
 */
public interface Parameters extends AutoCloseable {
    /** The host copy, laid out as the model's {@link ParamStore}. */
    ParamStore host();

    /** Takes up what host code wrote into {@link #host()}: one upload on a device, nothing on the host. */
    void syncFromHost();

    /** Makes {@link #host()} current: one download on a device, nothing on the host. */
    void syncToHost();

    /** This set ← source, element for element, where this set lives (a device-to-device copy on a GPU). */
    void copyFrom(Parameters source);

    /** Frees the backend's copy; the host store belongs to whoever allocated it. */
    @Override
    void close();
}
