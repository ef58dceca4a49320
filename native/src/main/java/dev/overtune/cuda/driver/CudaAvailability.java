package dev.overtune.cuda.driver;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the CUDA driver through FFM and asks it whether a GPU is usable. Absence is an answer, not
 * a crash: the result names what was missing so the engine can say why it stays on the CPU.
 */
public final class CudaAvailability {
    /** The driver's sonames, newest first. */
    public static final List<String> DRIVER_LIBRARIES = List.of("libcuda.so.1", "libcuda.so");

    /** What the check found: a device count, or the reason there is none. */
    public record Result(int deviceCount, String library, String reason) {
        public boolean available() {
            return deviceCount > 0;
        }
    }

    private CudaAvailability() {}

    public static Result check() {
        return check(DRIVER_LIBRARIES);
    }

    static Result check(List<String> libraries) {
        Arena arena = Arena.global();
        List<String> tried = new ArrayList<>();
        for (String name : libraries) {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(name, arena);
            } catch (IllegalArgumentException notFound) {
                tried.add(name);
                continue;
            }
            return initialise(lookup, name);
        }
        return new Result(0, null, "no NVIDIA driver: " + String.join(", ", tried)
                + " not found on the library path; install the driver (or set LD_LIBRARY_PATH) to use a GPU, otherwise the CPU backend is used");
    }

    private static Result initialise(SymbolLookup lookup, String name) {
        Optional<MemorySegment> cuInit = lookup.find("cuInit");
        Optional<MemorySegment> cuDeviceGetCount = lookup.find("cuDeviceGetCount");
        if (cuInit.isEmpty() || cuDeviceGetCount.isEmpty()) {
            return new Result(0, name, name + " lacks cuInit/cuDeviceGetCount: not a CUDA driver library");
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle init = linker.downcallHandle(cuInit.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MethodHandle count = linker.downcallHandle(cuDeviceGetCount.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        try (Arena call = Arena.ofConfined()) {
            int status = (int) init.invokeExact(0);
            if (status != 0) {
                return new Result(0, name, "cuInit failed with CUresult " + status + " (" + describe(status) + ")");
            }
            MemorySegment out = call.allocate(ValueLayout.JAVA_INT);
            status = (int) count.invokeExact(out);
            if (status != 0) {
                return new Result(0, name, "cuDeviceGetCount failed with CUresult " + status + " (" + describe(status) + ")");
            }
            int devices = out.get(ValueLayout.JAVA_INT, 0);
            return new Result(devices, name, devices > 0 ? "" : "the driver reports no CUDA device");
        } catch (Throwable t) {
            return new Result(0, name, "calling " + name + " failed: " + t);
        }
    }

    /** The CUresult's name from CUDA 13's table (the driver may be too broken to name it itself). */
    static String describe(int status) {
        return CuResult.name(status);
    }
}
