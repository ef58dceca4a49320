package dev.overtune.cuda.exec;

import dev.overtune.backend.Backend.Binding;
import dev.overtune.backend.Backend;
import dev.overtune.backend.Parameters;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.CudaModule;
import dev.overtune.cuda.DeviceMemory;
import dev.overtune.cuda.DeviceTensor;
import dev.overtune.cuda.Release;
import dev.overtune.cuda.params.DeviceParameters;
import dev.overtune.cuda.train.DeviceProgram;
import dev.overtune.graph.Graph;
import dev.overtune.graph.Value;
import dev.overtune.tensor.HostTensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph compiled for one GPU: its kernels loaded, its intermediates block and constants on the
 * device. Bindings share the block, so runs of one program must not overlap (they are ordered on
 * the device's one stream).
 */
public final class CudaProgram implements Backend.Program, DeviceProgram {
    private final CudaDevice device;
    private final ExecutionPlan plan;
    private final CudaModule module;
    private final DeviceMemory block;
    private final DeviceMemory constants;

    CudaProgram(CudaDevice device, ExecutionPlan plan, CudaModule module, DeviceMemory block, DeviceMemory constants) {
        this.device = device;
        this.plan = plan;
        this.module = module;
        this.block = block;
        this.constants = constants;
    }

    public ExecutionPlan plan() {
        return plan;
    }

    private Graph graph() {
        return plan.graph();
    }

    private SlotAddresses addresses(long[] inputs) {
        return new SlotAddresses(inputs, constants == null ? 0 : constants.pointer(), block == null ? 0 : block.pointer());
    }

    /**
     * Host tensors: each run uploads the inputs, enqueues every launch, downloads the outputs and
     * waits for the stream. The inputs' device copies live in one allocation owned by the binding.
     */
    @Override
    public Binding bind(Map<String, HostTensor> inputs, Map<String, HostTensor> outputs) {
        return bind(Map.of(), inputs, outputs);
    }

    /**
     * Parameters on this GPU are read in place (nothing uploaded per run); the other inputs and the outputs
     * are host tensors, as in {@link #bind(Map, Map)}. Parameters held on the host go up with every run.
     */
    @Override
    public Binding bind(Parameters parameters, Map<String, HostTensor> inputs, Map<String, HostTensor> outputs) {
        if (parameters instanceof DeviceParameters d && d.device() == device) {
            return bind(d.tensors(), inputs, outputs);
        }
        return Backend.Program.super.bind(parameters, inputs, outputs);
    }

    private Binding bind(Map<String, DeviceTensor> resident, Map<String, HostTensor> inputs, Map<String, HostTensor> outputs) {
        List<HostTensor> in = new ArrayList<>();
        long[] offsets = new long[graph().inputs().size()];
        long[] residentPointers = new long[offsets.length];
        long bytes = 0;
        for (int i = 0; i < graph().inputs().size(); i++) {
            Value v = graph().inputs().get(i);
            DeviceTensor onDevice = resident.get(v.name());
            if (onDevice != null) {
                BindingCheck.matches(graph(), "input", v.name(), v, onDevice.dtype(), onDevice.shape());
                in.add(null);
                residentPointers[i] = onDevice.pointer();
                continue;
            }
            HostTensor t = BindingCheck.input(graph(), v, inputs);
            BindingCheck.matches(graph(), "input", v.name(), v, t.dtype(), t.shape());
            in.add(t);
            offsets[i] = bytes;
            bytes += MemoryPlan.align(t.segment().byteSize());
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
            Value v = BindingCheck.output(graph(), e.getKey());
            BindingCheck.matches(graph(), "output", e.getKey(), v, e.getValue().dtype(), e.getValue().shape());
            out.put(e.getKey(), e.getValue());
        }
        DeviceMemory staging = bytes > 0 ? device.allocate(bytes, "the inputs of graph '" + graph().name() + "'") : null;
        Arena arena = Arena.ofShared();
        try {
            long[] pointers = new long[offsets.length];
            for (int i = 0; i < offsets.length; i++) {
                pointers[i] = in.get(i) == null ? residentPointers[i] : staging == null ? 0 : staging.pointer() + offsets[i];
            }
            SlotAddresses addresses = addresses(pointers);
            DeviceLaunches launches = new DeviceLaunches(device, plan, addresses, module::function, arena);
            return new HostBinding(in, pointers, addresses, out, launches, staging, arena);
        } catch (RuntimeException e) {
            throw Release.after(e, arena::close, () -> { if (staging != null) staging.close(); });
        }
    }

    /**
     * Device tensors: each run only enqueues the launches on the device's stream (outputs are copied
     * from the intermediates block into the given tensors by a kernel, also enqueued); no host copy,
     * no synchronisation. The tensors' memory must outlive the binding.
     */
    public Binding bindDevice(Map<String, DeviceTensor> inputs, Map<String, DeviceTensor> outputs) {
        long[] pointers = new long[graph().inputs().size()];
        for (int i = 0; i < pointers.length; i++) {
            Value v = graph().inputs().get(i);
            DeviceTensor t = BindingCheck.input(graph(), v, inputs);
            BindingCheck.matches(graph(), "input", v.name(), v, t.dtype(), t.shape());
            pointers[i] = t.pointer();
        }
        Arena arena = Arena.ofShared();
        try {
            SlotAddresses addresses = addresses(pointers);
            DeviceLaunches launches = new DeviceLaunches(device, plan, addresses, module::function, arena);
            for (Map.Entry<String, DeviceTensor> e : outputs.entrySet()) {
                Value v = BindingCheck.output(graph(), e.getKey());
                DeviceTensor t = e.getValue();
                BindingCheck.matches(graph(), "output", e.getKey(), v, t.dtype(), t.shape());
                launches.copy(module.function(GraphLowering.COPY_KERNEL), t.pointer(), addresses.of(plan.outputs().get(e.getKey())), t.bytes(), arena);
            }
            return new DeviceBinding(launches, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Frees the constants and the intermediates and unloads the module, each in its own try; the first failure is thrown. */
    @Override
    public void close() {
        Release.all(
                () -> { if (constants != null) constants.close(); },
                () -> { if (block != null) block.close(); },
                module::close);
    }

    /** Host inputs go up and host outputs come down with every run; resident inputs (null here) are read in place. */
    private final class HostBinding implements Binding {
        private final List<HostTensor> inputs;
        private final long[] inputPointers;
        private final SlotAddresses addresses;
        private final Map<String, HostTensor> outputs;
        private final DeviceLaunches launches;
        private final DeviceMemory staging;
        private final Arena arena;

        HostBinding(List<HostTensor> inputs, long[] inputPointers, SlotAddresses addresses, Map<String, HostTensor> outputs,
                    DeviceLaunches launches, DeviceMemory staging, Arena arena) {
            this.inputs = inputs;
            this.inputPointers = inputPointers;
            this.addresses = addresses;
            this.outputs = outputs;
            this.launches = launches;
            this.staging = staging;
            this.arena = arena;
        }

        @Override
        public void run() {
            device.makeCurrent();
            for (int i = 0; i < inputs.size(); i++) {
                HostTensor t = inputs.get(i);
                if (t != null && t.segment().byteSize() > 0) {
                    device.driver().copyToDeviceAsync(inputPointers[i], t.segment(), t.segment().byteSize(), device.stream());
                }
            }
            launches.enqueue();
            for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
                HostTensor t = e.getValue();
                if (t.segment().byteSize() > 0) {
                    device.driver().copyToHostAsync(t.segment(), addresses.of(plan.outputs().get(e.getKey())), t.segment().byteSize(), device.stream());
                }
            }
            device.synchronize();
        }

        @Override
        public void close() {
            Release.all(arena::close, () -> { if (staging != null) staging.close(); });
        }
    }

    private static final class DeviceBinding implements Binding {
        private final DeviceLaunches launches;
        private final Arena arena;

        DeviceBinding(DeviceLaunches launches, Arena arena) {
            this.launches = launches;
            this.arena = arena;
        }

        @Override
        public void run() {
            launches.enqueue();
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
