package dev.overtune.cuda.train;

import dev.overtune.backend.Backend;
import dev.overtune.backend.Parameters;
import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.CudaModule;
import dev.overtune.cuda.DeviceMemory;
import dev.overtune.cuda.DeviceTensor;
import dev.overtune.cuda.KernelArgs;
import dev.overtune.cuda.KernelModule;
import dev.overtune.cuda.driver.Driver;
import dev.overtune.cuda.params.DeviceParameters;
import dev.overtune.cuda.params.ParamLayout;
import dev.overtune.data.Batch;
import dev.overtune.graph.Graph;
import dev.overtune.model.LanguageModel;
import dev.overtune.model.ParamStore;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;
import dev.overtune.train.AdamW;
import dev.overtune.train.GradClip;
import dev.overtune.train.TrainingState;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A fine-tune whose parameters, gradients, AdamW moments and anchor stay on the GPU for the whole
 * run, one flat allocation each in {@link ParamStore}'s layout. Opened on the backend's
 * {@link DeviceParameters}, it trains that block in place (shared with evaluation and perturbation) and
 * allocates only gradients, moments and the anchor. A step copies only the batch up and
 * two scalars down (the loss, then the sum of squares for the divergence check and clip):
 * graph → anchor → two-pass global norm → clip scale → overtune_adamw per decay run, all on the
 * device's stream. The host stores are refreshed only on {@link #copyToHost()}.
 * <p>
 * Bit-identity with the CPU path: the anchor, clip scale and AdamW are Java's float operations in
 * Java's order (host harness); the global norm's sum runs in a fixed blocked order, so it can
 * differ from {@link GradClip#globalNorm} in the last bits (see native/CUDA.md).
 */
public final class DeviceTrainingState implements TrainingState {
    private static final int THREADS = 256;
    private static final int MAX_GRID_STRIDE_BLOCKS = 4096;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private final CudaDevice device;
    private final Driver driver;
    private final ParamLayout layout;
    private final ParamStore hostParams;
    private final AdamW adam;
    private final Batch batch;
    private final Arena arena;
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();

    private final MemorySegment adamwKernel;
    private final MemorySegment scaleKernel;
    private final MemorySegment anchorKernel;
    private final MemorySegment partialsKernel;
    private final MemorySegment totalKernel;

    private final DeviceMemory params;     // the resident set's block, or one of this state's own
    private final boolean inPlace;
    private final DeviceMemory grads;
    private final DeviceMemory firstMoment;
    private final DeviceMemory secondMoment;
    private final DeviceMemory norm;      // NormReduction.MAX_BLOCKS partial sums, then the total
    private final DeviceMemory loss;
    private final DeviceMemory inputIds;
    private final DeviceMemory targets;
    private final DeviceMemory lossMask;
    private DeviceMemory anchor;
    private boolean anchored;
    private float anchorStrength;

    private final MemorySegment lossHost;
    private final MemorySegment sumHost;
    private ParamStore hostGrads;
    private final DeviceProgram program;
    private final Backend.Binding binding;

    /**
     * States for {@link dev.overtune.train.Trainer}: the train graph compiled by the CUDA executor
     * (its program must run on this device's stream) and bound to the FP32 masters; it computes at the
     * precision the compiler gives it (a BF16 program casts its GEMM operands inside the graph).
     */
    public static TrainingState.Factory factory(CudaDevice device, Function<Graph, DeviceProgram> compiler) {
        return new TrainingState.Factory() {
            @Override
            public TrainingState open(LanguageModel model, ParamStore params, AdamW adam, Batch batch, Arena arena) {
                return new DeviceTrainingState(device, compiler, model, params, null, adam, batch, arena);
            }

            /** Trains a set on this device in place; any other set through a copy of its host store, as before. */
            @Override
            public TrainingState open(LanguageModel model, Parameters params, AdamW adam, Batch batch, Arena arena) {
                if (params instanceof DeviceParameters d && d.device() == device) {
                    return new DeviceTrainingState(device, compiler, model, d.host(), d, adam, batch, arena);
                }
                return open(model, params.host(), adam, batch, arena);
            }
        };
    }

    private DeviceTrainingState(CudaDevice device, Function<Graph, DeviceProgram> compiler, LanguageModel model, ParamStore hostParams,
                                DeviceParameters resident, AdamW adam, Batch batch, Arena arena) {
        this.device = device;
        this.driver = device.driver();
        this.layout = resident != null ? resident.layout() : new ParamLayout(hostParams.specs());
        this.hostParams = hostParams;
        this.inPlace = resident != null;
        this.adam = adam;
        this.batch = batch;
        this.arena = arena;
        this.lossHost = arena.allocate(Float.BYTES, 8);
        this.sumHost = arena.allocate(Double.BYTES, 8);
        try {
            CudaModule adamw = own(device.load(KernelModule.ADAMW));
            CudaModule step = own(device.load(KernelModule.TRAIN_STEP));
            this.adamwKernel = adamw.function("overtune_adamw");
            this.scaleKernel = adamw.function("overtune_scale");
            this.anchorKernel = step.function("overtune_add_anchor");
            this.partialsKernel = step.function("overtune_sumsq_partials");
            this.totalKernel = step.function("overtune_sum_partials");

            long n = layout.size();
            String of = " (" + n + " parameters, FP32)";
            this.params = resident != null ? resident.memory() : own(device.allocate(n * Float.BYTES, "parameters" + of));
            this.grads = own(device.allocate(n * Float.BYTES, "gradients" + of));
            this.firstMoment = own(device.allocate(n * Float.BYTES, "AdamW first moments" + of));
            this.secondMoment = own(device.allocate(n * Float.BYTES, "AdamW second moments" + of));
            this.norm = own(device.allocate((NormReduction.MAX_BLOCKS + 1L) * Double.BYTES, "gradient-norm partial sums"));
            this.loss = own(device.allocate(Float.BYTES, "the loss"));
            this.inputIds = own(device.allocate(batch.inputIds().segment().byteSize(), "the batch's input ids"));
            this.targets = own(device.allocate(batch.targets().segment().byteSize(), "the batch's targets"));
            this.lossMask = own(device.allocate(batch.lossMask().segment().byteSize(), "the batch's loss mask"));

            this.program = own(compiler.apply(TrainingGraphs.train(model, batch.batchSize(), batch.seqLen())));
            Map<String, DeviceTensor> inputs = new HashMap<>(layout.tensors(params.pointer(), DType.F32));
            inputs.put(TrainingGraphs.INPUT_IDS, tensor(inputIds, batch.inputIds()));
            inputs.put(TrainingGraphs.TARGETS, tensor(targets, batch.targets()));
            inputs.put(TrainingGraphs.LOSS_MASK, tensor(lossMask, batch.lossMask()));
            Map<String, DeviceTensor> outputs = new HashMap<>();
            outputs.put(TrainingGraphs.LOSS, DeviceTensor.of(loss, DType.F32, Shape.scalar()));
            layout.tensors(grads.pointer(), DType.F32).forEach((name, t) -> outputs.put(TrainingGraphs.GRAD_PREFIX + name, t));
            this.binding = own(program.bindDevice(inputs, outputs));
            if (inPlace) {
                restartInPlace();
            } else {
                copyFromHost();
            }
        } catch (RuntimeException e) {
            closeOwned(e);
            throw e;
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.push(resource);
        return resource;
    }

    private static DeviceTensor tensor(DeviceMemory memory, HostTensor like) {
        return DeviceTensor.of(memory, like.dtype(), like.shape());
    }

    @Override
    public double computeGradients() {
        device.makeCurrent();
        MemorySegment stream = device.stream();
        upload(batch.inputIds().segment(), inputIds);
        upload(batch.targets().segment(), targets);
        upload(batch.lossMask().segment(), lossMask);
        binding.run();
        driver.copyToHostAsync(lossHost, loss.pointer(), Float.BYTES, stream);
        driver.streamSynchronize(stream);
        return lossHost.get(F32, 0);
    }

    @Override
    public void anchorTo(ParamStore reference, double strength) {
        anchored = strength > 0;
        anchorStrength = (float) strength;
        if (anchored) {
            if (anchor == null) {
                anchor = own(device.allocate(layout.size() * Float.BYTES, "the L2 anchor (" + layout.size() + " parameters, FP32)"));
            }
            upload(reference.flat().segment(), anchor);
            device.synchronize();
        }
    }

    /** A reference on this device is copied there (nothing uploaded); any other from its host store. */
    @Override
    public void anchorTo(Parameters reference, double strength) {
        if (!(reference instanceof DeviceParameters d && d.device() == device)) {
            anchorTo(reference.host(), strength);
            return;
        }
        anchored = strength > 0;
        anchorStrength = (float) strength;
        if (anchored) {
            if (anchor == null) {
                anchor = own(device.allocate(layout.size() * Float.BYTES, "the L2 anchor (" + layout.size() + " parameters, FP32)"));
            }
            device.copyOnDevice(anchor.pointer(), d.memory().pointer(), layout.size() * Float.BYTES);
        }
    }

    @Override
    public double clipGradients(double maxNorm) {
        long n = layout.size();
        int blocks = NormReduction.blocks(n);
        long total = norm.pointer() + (long) NormReduction.MAX_BLOCKS * Double.BYTES;
        try (Arena a = Arena.ofConfined()) {
            if (anchored) {
                device.launch(anchorKernel, gridStrideBlocks(n), THREADS, 0,
                        new KernelArgs(a, 5).pointer(grads).pointer(params).pointer(anchor).i64(n).f32(anchorStrength));
            }
            device.launch(partialsKernel, blocks, NormReduction.THREADS, 0, new KernelArgs(a, 3).pointer(norm).pointer(grads).i64(n));
            device.launch(totalKernel, 1, NormReduction.THREADS, 0, new KernelArgs(a, 3).pointer(total).pointer(norm).i32(blocks));
        }
        driver.copyToHostAsync(sumHost, total, Double.BYTES, device.stream());
        driver.streamSynchronize(device.stream());
        double globalNorm = Math.sqrt(sumHost.get(F64, 0));
        double coef = GradClip.coefficient(globalNorm, maxNorm);
        if (coef < 1.0) {
            try (Arena a = Arena.ofConfined()) {
                device.launch(scaleKernel, oneThreadPerElement(n), THREADS, 0, new KernelArgs(a, 3).pointer(grads).i64(n).f32((float) coef));
            }
        }
        return globalNorm;
    }

    @Override
    public void update(double lr) {
        long step = adam.countUpdate();
        try (Arena a = Arena.ofConfined()) {
            for (ParamLayout.Run run : layout.decayRuns()) {
                long bytes = run.offset() * Float.BYTES;
                KernelArgs args = new KernelArgs(a, 13).pointer(params.pointer() + bytes).pointer(grads.pointer() + bytes)
                        .pointer(firstMoment.pointer() + bytes).pointer(secondMoment.pointer() + bytes).i64(run.count());
                AdamWScalars.of(adam.config(), lr, step, run.decays()).appendTo(args);
                device.launch(adamwKernel, oneThreadPerElement(run.count()), THREADS, 0, args);
            }
        }
    }

    @Override
    public ParamStore grads() {
        if (hostGrads == null) {
            hostGrads = ParamStore.allocate(arena, hostParams.specs());
        }
        device.download(grads, hostGrads.flat().segment());
        return hostGrads;
    }

    @Override
    public void copyToHost() {
        device.makeCurrent();
        MemorySegment stream = device.stream();
        driver.copyToHostAsync(hostParams.flat().segment(), params.pointer(), params.bytes(), stream);
        driver.copyToHostAsync(adam.firstMoment().flat().segment(), firstMoment.pointer(), firstMoment.bytes(), stream);
        driver.copyToHostAsync(adam.secondMoment().flat().segment(), secondMoment.pointer(), secondMoment.bytes(), stream);
        driver.streamSynchronize(stream);
    }

    @Override
    public void copyFromHost() {
        upload(hostParams.flat().segment(), params);
        upload(adam.firstMoment().flat().segment(), firstMoment);
        upload(adam.secondMoment().flat().segment(), secondMoment);
        device.synchronize();
    }

    /** The parameters stay as they are on the device; the moments start from zero there, as AdamW.reset left the host's. */
    @Override
    public void restartInPlace() {
        device.zero(firstMoment.pointer(), firstMoment.bytes());
        device.zero(secondMoment.pointer(), secondMoment.bytes());
    }

    /** Enqueues a host-to-device copy of the whole segment; pageable memory is staged before the call returns. */
    private void upload(MemorySegment host, DeviceMemory target) {
        device.makeCurrent();
        driver.copyToDeviceAsync(target.pointer(), host, host.byteSize(), device.stream());
    }

    private static int oneThreadPerElement(long n) {
        return Math.toIntExact((n + THREADS - 1) / THREADS);
    }

    private static int gridStrideBlocks(long n) {
        return (int) Math.min(MAX_GRID_STRIDE_BLOCKS, (n + THREADS - 1) / THREADS);
    }

    @Override
    public void close() {
        closeOwned(null);
    }

    private void closeOwned(RuntimeException cause) {
        RuntimeException failure = cause;
        try {
            device.synchronize();
        } catch (RuntimeException e) {
            failure = record(failure, e);
        }
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception e) {
                failure = record(failure, e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e));
            }
        }
        if (failure != null && cause == null) {
            throw failure;
        }
    }

    private static RuntimeException record(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
