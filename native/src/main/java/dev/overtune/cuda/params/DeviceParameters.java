package dev.overtune.cuda.params;

import dev.overtune.backend.Parameters;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.DeviceMemory;
import dev.overtune.cuda.DeviceTensor;
import dev.overtune.model.ParamStore;
import dev.overtune.tensor.DType;

import java.util.Map;

/**
 * A model's parameters in one flat FP32 block on the GPU, in {@link ParamStore}'s layout, so host and
 * device copies move in one call each way. Zero-filled when made; the host store goes up only on
 * {@link #syncFromHost()}. Programs bound to it, the device training state and the device perturber all
 * read and write this block in place, in the device's stream order.
 */
public final class DeviceParameters implements Parameters {
    private final CudaDevice device;
    private final ParamStore host;
    private final ParamLayout layout;
    private final DeviceMemory memory;

    public DeviceParameters(CudaDevice device, ParamStore host) {
        this.device = device;
        this.host = host;
        this.layout = new ParamLayout(host.specs());
        this.memory = device.allocate(Math.max(1, layout.size()) * Float.BYTES, "parameters (" + layout.size() + ", FP32)");
        device.zero(memory.pointer(), memory.bytes());
    }

    public CudaDevice device() {
        return device;
    }

    public ParamLayout layout() {
        return layout;
    }

    public DeviceMemory memory() {
        return memory;
    }

    /** One tensor per parameter inside the block, by name in spec order: what a program binds. */
    public Map<String, DeviceTensor> tensors() {
        return layout.tensors(memory.pointer(), DType.F32);
    }

    @Override
    public ParamStore host() {
        return host;
    }

    /** One upload of the whole block; returns when the host store may be written again. */
    @Override
    public void syncFromHost() {
        device.upload(host.flat().segment(), memory);
    }

    /** One download of the whole block, after everything enqueued before it. */
    @Override
    public void syncToHost() {
        device.download(memory, host.flat().segment());
    }

    /** A device-to-device copy from another set on this GPU; from a host-held set, one upload of its store. */
    @Override
    public void copyFrom(Parameters source) {
        if (source == this) {
            return;
        }
        if (source instanceof DeviceParameters d && d.device == device) {
            requireSameLayout(d);
            device.copyOnDevice(memory.pointer(), d.memory.pointer(), layout.size() * Float.BYTES);
        } else {
            device.upload(source.host().flat().segment(), memory);
        }
    }

    /** The other set, if it is on this GPU with this layout, else an error naming what differs. */
    DeviceParameters sameLayout(Parameters other, String role) {
        if (!(other instanceof DeviceParameters d) || d.device != device) {
            throw new IllegalArgumentException(role + " parameters are not on " + device.name() + ": the CUDA backend perturbs its own parameters");
        }
        requireSameLayout(d);
        return d;
    }

    private void requireSameLayout(DeviceParameters other) {
        if (!other.layout.specs().equals(layout.specs())) {
            throw new IllegalArgumentException("parameter sets of two different models (" + other.layout.size() + " and " + layout.size() + " parameters)");
        }
    }

    @Override
    public void close() {
        memory.close();
    }
}
