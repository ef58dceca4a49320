package dev.overtune.cuda;

import dev.overtune.cuda.driver.Driver;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/** A kernel module loaded into a context, its functions resolved by name; unloaded on close. */
public final class CudaModule implements AutoCloseable {
    private final Driver driver;
    private final MemorySegment module;
    private final String origin;
    private final Map<String, MemorySegment> functions = new LinkedHashMap<>();
    private boolean closed;

    CudaModule(Driver driver, MemorySegment module, String origin) {
        this.driver = driver;
        this.module = module;
        this.origin = origin;
    }

    /** Where the code came from: "PTX compute_90 from the jar" or "NVRTC compute_90". */
    public String origin() {
        return origin;
    }

    /** The CUfunction of an {@code extern "C"} kernel. */
    public MemorySegment function(String name) {
        if (closed) {
            throw new IllegalStateException("module used after close");
        }
        return functions.computeIfAbsent(name, n -> driver.moduleFunction(module, n));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            driver.moduleUnload(module);
        }
    }
}
