package dev.overtune.cuda.exec;

import dev.overtune.backend.Backend;
import dev.overtune.backend.BackendException;
import dev.overtune.backend.Parameters;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.CudaModule;
import dev.overtune.cuda.DeviceMemory;
import dev.overtune.cuda.Release;
import dev.overtune.cuda.driver.Cublas;
import dev.overtune.cuda.driver.CudaException;
import dev.overtune.cuda.params.DeviceParameters;
import dev.overtune.cuda.params.DevicePerturber;
import dev.overtune.cuda.train.DeviceTrainingState;
import dev.overtune.cuda.train.Precision;
import dev.overtune.graph.Graph;
import dev.overtune.model.ParamStore;
import dev.overtune.probe.Perturber;
import dev.overtune.train.TrainingState;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

/**
 * Runs IR graphs on one GPU: each graph is lowered ({@link GraphLowering}), its kernels compiled by
 * NVRTC for the device, its intermediates given one device block; MatMuls go to cuBLAS at TF32 by
 * default, {@link Cublas.Precision#FP32} for exact FP32, or {@link Cublas.Precision#BF16}: every GEMM
 * reads bf16 copies of its operands cast just before it, accumulates and writes FP32, and all else
 * (parameters, gradients, moments, softmax, norms, the loss) stays FP32. Owns the device and closes it.
 * <p>
 * A model's parameters live on the device ({@link #parameters}): programs bound to them read them in
 * place, training states update them there, and the noise and quantisation probes write them there
 * with the hand-written kernels ({@link #perturber()}).
 */
public final class CudaBackend implements Backend, TrainingState.Source, Perturber.Source {
    private final CudaDevice device;
    private final Cublas.Precision precision;

    public CudaBackend(CudaDevice device) {
        this(device, Cublas.Precision.TF32);
    }

    public CudaBackend(CudaDevice device, Cublas.Precision precision) {
        this.device = device;
        this.precision = precision;
    }

    @Override
    public String name() {
        return "cuda";
    }

    public CudaDevice device() {
        return device;
    }

    public Cublas.Precision precision() {
        return precision;
    }

    /**
     * Training keeps parameters, gradients and AdamW moments on the device for the whole run; the graph
     * runs through {@link CudaProgram#bindDevice}, and only the batch goes up and the loss comes down.
     * Their graph is compiled by this backend, so the states compute as it does ({@link #trainingPrecision()}):
     * bf16 GEMM operands cast inside the graph on a BF16 backend, FP32 masters, gradients and moments always.
     */
    @Override
    public TrainingState.Factory trainingStates() {
        return DeviceTrainingState.factory(device, this::compile);
    }

    /** One flat FP32 block on the device, zero-filled; the host store goes up on {@link Parameters#syncFromHost()}. */
    @Override
    public Parameters parameters(ParamStore host) {
        return new DeviceParameters(device, host);
    }

    /** Noise and quantisation on the device, from base to output parameters both held by this backend. */
    @Override
    public Perturber perturber() {
        return new DevicePerturber(device);
    }

    /** What this backend's training states compute in. */
    public Precision trainingPrecision() {
        return Precision.of(precision);
    }

    @Override
    public CudaProgram compile(Graph graph) {
        ExecutionPlan plan = GraphLowering.lower(graph, precision);
        CudaModule module;
        try {
            module = device.compile(graph.name() + ".cu", plan.source());
        } catch (CudaException e) {
            throw new BackendException("could not compile the kernels of graph '" + graph.name() + "' for " + device.name() + ": " + e.getMessage(), e);
        }
        DeviceMemory block = null;
        DeviceMemory constants = null;
        try {
            for (String f : plan.kernelFunctions()) {
                module.function(f + "_kernel");
            }
            module.function(GraphLowering.COPY_KERNEL);
            if (plan.blockBytes() > 0) {
                block = device.allocate(plan.blockBytes(), "the intermediates of graph '" + graph.name() + "'");
            }
            if (plan.constants().length > 0) {
                constants = device.allocate(plan.constants().length, "the constants of graph '" + graph.name() + "'");
                try (Arena arena = Arena.ofConfined()) {
                    device.upload(arena.allocateFrom(ValueLayout.JAVA_BYTE, plan.constants()), constants);
                }
            }
            return new CudaProgram(device, plan, module, block, constants);
        } catch (RuntimeException e) {
            DeviceMemory allocatedConstants = constants;
            DeviceMemory allocatedBlock = block;
            throw Release.after(e, () -> { if (allocatedConstants != null) allocatedConstants.close(); },
                    () -> { if (allocatedBlock != null) allocatedBlock.close(); }, module::close);
        }
    }

    @Override
    public void close() {
        device.close();
    }
}
