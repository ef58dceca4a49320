package dev.overtune.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code void** kernelParams} of cuLaunchKernel: one pointer per kernel argument, each to a
 * copy of the argument's value, in the order the kernel declares them. Types must match the
 * kernel's C types exactly (int, long long / pointers as long, float, double). A NULL follows the
 * last argument.
 */
public final class KernelArgs {
    private final Arena arena;
    private final MemorySegment pointers;
    private final int capacity;
    private int count;

    public KernelArgs(Arena arena, int capacity) {
        this.arena = arena;
        this.capacity = capacity;
        // One slot more than the arguments, left NULL: the driver reads only as many as the kernel declares, and the
        // checking fake driver (tests) counts up to the NULL to see how many were passed.
        this.pointers = arena.allocate(ValueLayout.ADDRESS, capacity + 1L);
    }

    public KernelArgs pointer(long devicePointer) {
        return add(arena.allocateFrom(ValueLayout.JAVA_LONG, devicePointer));
    }

    public KernelArgs pointer(DeviceMemory memory) {
        return pointer(memory.pointer());
    }

    public KernelArgs i32(int v) {
        return add(arena.allocateFrom(ValueLayout.JAVA_INT, v));
    }

    public KernelArgs i64(long v) {
        return add(arena.allocateFrom(ValueLayout.JAVA_LONG, v));
    }

    public KernelArgs f32(float v) {
        return add(arena.allocateFrom(ValueLayout.JAVA_FLOAT, v));
    }

    public KernelArgs f64(double v) {
        return add(arena.allocateFrom(ValueLayout.JAVA_DOUBLE, v));
    }

    private KernelArgs add(MemorySegment value) {
        if (count == capacity) {
            throw new IllegalStateException("more kernel arguments than the " + capacity + " declared");
        }
        pointers.setAtIndex(ValueLayout.ADDRESS, count++, value);
        return this;
    }

    public int count() {
        return count;
    }

    /** The pointer array to pass as kernelParams. */
    public MemorySegment segment() {
        return pointers;
    }
}
