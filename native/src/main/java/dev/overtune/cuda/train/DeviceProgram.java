package dev.overtune.cuda.train;

import dev.overtune.backend.Backend;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.DeviceTensor;

import java.util.Map;

/**
 * A compiled graph that runs on device tensors: what the CUDA executor's compiled program offers.
 * {@link Backend.Binding#run()} enqueues the whole graph on the {@link dev.overtune.cuda.CudaDevice}'s
 * stream with no copy and no synchronisation, so the training kernels enqueued after it on the same
 * stream see its outputs.
 */
public interface DeviceProgram extends AutoCloseable {
    /** Binds device tensors to the graph's inputs and outputs by name, as {@link Backend.Program#bind} does host tensors. */
    Backend.Binding bindDevice(Map<String, DeviceTensor> inputs, Map<String, DeviceTensor> outputs);

    @Override
    void close();
}
