package dev.overtune.cuda.train;

import dev.overtune.cuda.CudaDevice;
import dev.overtune.cuda.CudaModule;
import dev.overtune.cuda.DeviceMemory;
import dev.overtune.cuda.DeviceTensor;
import dev.overtune.cuda.KernelArgs;
import dev.overtune.graph.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * BF16 copies of the FP32 master parameters for the forward and backward to read: one device
 * allocation in the masters' layout, refreshed (overtune_f32_to_bf16, round to nearest even) after
 * every change of the masters.
 */
final class Bf16Copies implements AutoCloseable {
    private static final int THREADS = 256;
    private static final int MAX_BLOCKS = 4096;

    private final CudaDevice device;
    private final MemorySegment convert;
    private final DeviceMemory copies;
    private final Map<String, DeviceTensor> tensors;
    private final long size;

    Bf16Copies(CudaDevice device, CudaModule elementwise, ParamLayout layout) {
        this.device = device;
        this.convert = elementwise.function("overtune_f32_to_bf16");
        this.size = layout.size();
        this.copies = device.allocate(size * DType.BF16.byteSize(), "BF16 parameter copies (" + size + " parameters)");
        this.tensors = layout.tensors(copies.pointer(), DType.BF16);
    }

    /** The copies by parameter name, for the graph's inputs. */
    Map<String, DeviceTensor> tensors() {
        return tensors;
    }

    /** Enqueues the conversion of all masters (FP32, same layout) into the copies. */
    void refresh(DeviceMemory masters) {
        int blocks = (int) Math.min(MAX_BLOCKS, (size + THREADS - 1) / THREADS);
        try (Arena arena = Arena.ofConfined()) {
            device.launch(convert, blocks, THREADS, 0, new KernelArgs(arena, 3).pointer(copies).pointer(masters).i64(size));
        }
    }

    @Override
    public void close() {
        copies.close();
    }
}
