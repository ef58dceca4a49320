package dev.overtune.cuda.exec;

import dev.overtune.cuda.driver.Cublas;
import dev.overtune.graph.Graph;
import dev.overtune.graph.Value;
import dev.overtune.tensor.HostTensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs an execution plan on this CPU exactly as CudaProgram does on a GPU: the same steps in the
 * same order over one intermediates block laid out by the same memory plan, each kernel through
 * its host loop entry and each GEMM through the reference cuBLAS. The block starts filled with
 * NaN bytes, and each buffer is refilled with them after the last step its lifetime covers, so a
 * read before a value is written, or after its lifetime ends, shows in the results.
 */
final class HostExecutor implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();

    private final ExecutionPlan plan;
    private final Arena arena = Arena.ofConfined();
    private final SymbolLookup library;
    private final Map<String, MethodHandle> kernels = new HashMap<>();
    private final MethodHandle gemm;
    private final MethodHandle gemmBf16;
    private final MemorySegment block;
    private final MemorySegment constants;

    HostExecutor(ExecutionPlan plan, Path libraryPath) {
        this.plan = plan;
        this.library = SymbolLookup.libraryLookup(libraryPath, arena);
        FunctionDescriptor gemmType = FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);
        this.gemm = LINKER.downcallHandle(library.findOrThrow("overtune_gemm_host"), gemmType);
        this.gemmBf16 = LINKER.downcallHandle(library.findOrThrow("overtune_gemm_bf16_host"), gemmType);
        this.block = arena.allocate(Math.max(plan.blockBytes(), 1), MemoryPlan.ALIGNMENT);
        this.constants = arena.allocate(Math.max(plan.constants().length, 1), MemoryPlan.ALIGNMENT);
        MemorySegment.copy(plan.constants(), 0, constants, ValueLayout.JAVA_BYTE, 0, plan.constants().length);
    }

    /** Sees each step right after it ran, before any buffer whose lifetime ends there is poisoned. */
    interface StepObserver {
        void ran(Step step, SlotAddresses addresses);
    }

    /** Runs the plan once: inputs read from their host tensors, requested outputs copied out at the end. */
    void run(Map<String, HostTensor> inputs, Map<String, HostTensor> outputs) {
        run(inputs, outputs, (step, addresses) -> { });
    }

    void run(Map<String, HostTensor> inputs, Map<String, HostTensor> outputs, StepObserver observer) {
        Graph graph = plan.graph();
        long[] pointers = new long[graph.inputs().size()];
        for (int i = 0; i < pointers.length; i++) {
            Value v = graph.inputs().get(i);
            HostTensor t = BindingCheck.input(graph, v, inputs);
            BindingCheck.matches(graph, "input", v.name(), v, t.dtype(), t.shape());
            pointers[i] = t.segment().address();
        }
        SlotAddresses addresses = new SlotAddresses(pointers, constants.address(), block.address());
        block.fill((byte) 0xFF);
        MemoryPlan memory = plan.memory();
        for (int t = 0; t < plan.steps().size(); t++) {
            Step step = plan.steps().get(t);
            try {
                switch (step) {
                    case Step.Kernel k -> {
                        List<Object> args = new ArrayList<>();
                        args.add(k.items());
                        for (Slot s : k.args()) {
                            args.add(MemorySegment.ofAddress(addresses.of(s)));
                        }
                        kernel(k).invokeWithArguments(args);
                    }
                    case Step.Gemm g -> {
                        GemmCall c = g.call();
                        // TF32 runs as FP32 here: the host has no TF32 rounding; BF16 reads the casts' copies.
                        MethodHandle reference = g.precision() == Cublas.Precision.BF16 ? gemmBf16 : gemm;
                        int status = (int) reference.invokeExact(c.transA() ? 1 : 0, c.transB() ? 1 : 0, c.m(), c.n(), c.k(),
                                MemorySegment.ofAddress(g.addressA(addresses.of(g.a()))), c.lda(), c.strideA(),
                                MemorySegment.ofAddress(g.addressB(addresses.of(g.b()))), c.ldb(), c.strideB(),
                                MemorySegment.ofAddress(g.addressC(addresses.of(g.c()))), c.ldc(), c.strideC(), c.batch());
                        if (status != 0) {
                            throw new IllegalStateException("GEMM of node " + g.node() + " refused with cuBLAS status " + status + ": " + c);
                        }
                    }
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("step " + step.node() + " failed", e);
            }
            observer.ran(step, addresses);
            for (int i = 0; i < memory.lifetimes().size(); i++) {
                Lifetime l = memory.lifetimes().get(i);
                if (l.last() == t && t < plan.steps().size() - 1) {
                    block.asSlice(memory.offsets()[i], l.bytes()).fill((byte) 0xFF);
                }
            }
        }
        for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
            Value v = BindingCheck.output(graph, e.getKey());
            HostTensor t = e.getValue();
            BindingCheck.matches(graph, "output", e.getKey(), v, t.dtype(), t.shape());
            long bytes = t.segment().byteSize();
            t.segment().copyFrom(MemorySegment.ofAddress(addresses.of(plan.outputs().get(e.getKey()))).reinterpret(bytes));
        }
    }

    private MethodHandle kernel(Step.Kernel k) {
        return kernels.computeIfAbsent(k.function(), f -> {
            MemoryLayout[] params = new MemoryLayout[k.args().size() + 1];
            params[0] = ValueLayout.JAVA_LONG;
            for (int i = 1; i < params.length; i++) {
                params[i] = ValueLayout.ADDRESS;
            }
            return LINKER.downcallHandle(library.findOrThrow(f + "_host"), FunctionDescriptor.ofVoid(params));
        });
    }

    @Override
    public void close() {
        arena.close();
    }
}
