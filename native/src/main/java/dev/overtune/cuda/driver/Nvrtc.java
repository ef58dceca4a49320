package dev.overtune.cuda.driver;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NVRTC, CUDA's run-time compiler, through FFM: CUDA C source to PTX for a given architecture. It
 * runs on the host alone, so it works (and is tested) where NVRTC is installed even without a GPU.
 * A failed compilation is a {@link CudaException} whose message carries NVRTC's log.
 */
public final class Nvrtc {
    // nvrtc.h, enum nvrtcResult.
    public static final int NVRTC_SUCCESS = 0;
    public static final int NVRTC_ERROR_INVALID_OPTION = 5;
    public static final int NVRTC_ERROR_COMPILATION = 6;

    /** Every function bound below, as its C prototype in nvrtc.h reads; a class of its own so that reading it loads no library. */
    static final class Downcalls {
        static final Downcall nvrtcGetErrorString = Downcall.of(FunctionDescriptor.of(ADDRESS, JAVA_INT), "nvrtcGetErrorString");
        static final Downcall nvrtcVersion = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcVersion");
        static final Downcall nvrtcCreateProgram = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS), "nvrtcCreateProgram");
        static final Downcall nvrtcCompileProgram = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), "nvrtcCompileProgram");
        static final Downcall nvrtcGetProgramLogSize = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetProgramLogSize");
        static final Downcall nvrtcGetProgramLog = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetProgramLog");
        static final Downcall nvrtcGetPTXSize = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetPTXSize");
        static final Downcall nvrtcGetPTX = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetPTX");
        static final Downcall nvrtcGetCUBINSize = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetCUBINSize");
        static final Downcall nvrtcGetCUBIN = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetCUBIN");
        static final Downcall nvrtcDestroyProgram = Downcall.of(FunctionDescriptor.of(JAVA_INT, ADDRESS), "nvrtcDestroyProgram");

        private Downcalls() {}
    }

    private static final Binder BIND = new Binder(NativeLibrary.locate(LibrarySpec.NVRTC));
    private static final MethodHandle nvrtcGetErrorString = BIND.bind(Downcalls.nvrtcGetErrorString);
    private static final MethodHandle nvrtcVersion = BIND.bind(Downcalls.nvrtcVersion);
    private static final MethodHandle nvrtcCreateProgram = BIND.bind(Downcalls.nvrtcCreateProgram);
    private static final MethodHandle nvrtcCompileProgram = BIND.bind(Downcalls.nvrtcCompileProgram);
    private static final MethodHandle nvrtcGetProgramLogSize = BIND.bind(Downcalls.nvrtcGetProgramLogSize);
    private static final MethodHandle nvrtcGetProgramLog = BIND.bind(Downcalls.nvrtcGetProgramLog);
    private static final MethodHandle nvrtcGetPTXSize = BIND.bind(Downcalls.nvrtcGetPTXSize);
    private static final MethodHandle nvrtcGetPTX = BIND.bind(Downcalls.nvrtcGetPTX);
    private static final MethodHandle nvrtcGetCUBINSize = BIND.bind(Downcalls.nvrtcGetCUBINSize);
    private static final MethodHandle nvrtcGetCUBIN = BIND.bind(Downcalls.nvrtcGetCUBIN);
    private static final MethodHandle nvrtcDestroyProgram = BIND.bind(Downcalls.nvrtcDestroyProgram);

    private static final Outcome<Nvrtc> INSTANCE = BIND.outcome().map(Nvrtc::new);

    private final NativeLibrary library;

    private Nvrtc(NativeLibrary library) {
        this.library = library;
    }

    public static Outcome<Nvrtc> load() {
        return INSTANCE;
    }

    public NativeLibrary library() {
        return library;
    }

    /** NVRTC's version as {major, minor}. */
    public int[] version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(JAVA_INT);
            MemorySegment minor = a.allocate(JAVA_INT);
            check("nvrtcVersion", (int) nvrtcVersion.invokeExact(major, minor));
            return new int[] {major.get(JAVA_INT, 0), minor.get(JAVA_INT, 0)};
        } catch (Throwable t) {
            throw Driver.rethrow(t);
        }
    }

    /** The option that makes PTX for a device of the given compute capability (e.g. 90 → compute_90). */
    public static String architectureOption(int computeCapability) {
        if (computeCapability < 10) {
            throw new IllegalArgumentException("compute capability is 10 × major + minor (90 for Hopper), got " + computeCapability);
        }
        return "--gpu-architecture=compute_" + computeCapability;
    }

    /**
     * The option that makes machine code (a cubin) for exactly this architecture (90 → sm_90), which
     * the driver loads without a JIT step; NVRTC still hands out the PTX it went through.
     */
    public static String cubinArchitectureOption(int computeCapability) {
        if (computeCapability < 10) {
            throw new IllegalArgumentException("compute capability is 10 × major + minor (90 for Hopper), got " + computeCapability);
        }
        return "--gpu-architecture=sm_" + computeCapability;
    }

    /** What one compilation made: the PTX always, the cubin when the architecture option named a real one (sm_XX), else empty. */
    public record Compiled(String ptx, byte[] cubin) {}

    /** Compiles to PTX; see {@link #compile}. */
    public String compileToPtx(String name, String source, Map<String, String> headers, List<String> options) {
        return compile(name, source, headers, options).ptx();
    }

    /**
     * Compiles one CUDA C translation unit. headers maps include names (as written in
     * {@code #include "…"}) to their source text. The PTX is NUL-free text.
     */
    public Compiled compile(String name, String source, Map<String, String> headers, List<String> options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment programOut = a.allocate(ADDRESS);
            List<String> names = new ArrayList<>(headers.keySet());
            MemorySegment headerSources = a.allocate(ADDRESS, Math.max(1, names.size()));
            MemorySegment headerNames = a.allocate(ADDRESS, Math.max(1, names.size()));
            for (int i = 0; i < names.size(); i++) {
                headerSources.setAtIndex(ADDRESS, i, a.allocateFrom(headers.get(names.get(i))));
                headerNames.setAtIndex(ADDRESS, i, a.allocateFrom(names.get(i)));
            }
            // invokeExact types a conditional argument as Object: choose the segments first.
            MemorySegment sources = names.isEmpty() ? MemorySegment.NULL : headerSources;
            MemorySegment includeNames = names.isEmpty() ? MemorySegment.NULL : headerNames;
            check("nvrtcCreateProgram", (int) nvrtcCreateProgram.invokeExact(programOut, a.allocateFrom(source), a.allocateFrom(name),
                    names.size(), sources, includeNames));
            MemorySegment program = programOut.get(ADDRESS, 0);
            try {
                MemorySegment optionArray = a.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    optionArray.setAtIndex(ADDRESS, i, a.allocateFrom(options.get(i)));
                }
                MemorySegment optionPointers = options.isEmpty() ? MemorySegment.NULL : optionArray;
                int status = (int) nvrtcCompileProgram.invokeExact(program, options.size(), optionPointers);
                if (status != NVRTC_SUCCESS) {
                    String log = log(a, program);
                    throw new CudaException("nvrtcCompileProgram", status, CudaException.format("nvrtcCompileProgram", status, errorString(status), null)
                            + " compiling " + name + " with " + options + (log.isBlank() ? "" : ": " + oneLine(log)));
                }
                MemorySegment size = a.allocate(JAVA_LONG);
                check("nvrtcGetPTXSize", (int) nvrtcGetPTXSize.invokeExact(program, size));
                MemorySegment ptx = a.allocate(size.get(JAVA_LONG, 0));
                check("nvrtcGetPTX", (int) nvrtcGetPTX.invokeExact(program, ptx));
                byte[] cubin = new byte[0];
                if (options.stream().anyMatch(o -> o.startsWith("--gpu-architecture=sm_") || o.startsWith("-arch=sm_"))) {
                    check("nvrtcGetCUBINSize", (int) nvrtcGetCUBINSize.invokeExact(program, size));
                    MemorySegment image = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
                    check("nvrtcGetCUBIN", (int) nvrtcGetCUBIN.invokeExact(program, image));
                    cubin = image.asSlice(0, size.get(JAVA_LONG, 0)).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                }
                return new Compiled(ptx.getString(0, StandardCharsets.US_ASCII), cubin);
            } finally {
                int ignored = (int) nvrtcDestroyProgram.invokeExact(programOut);
            }
        } catch (Throwable t) {
            throw Driver.rethrow(t);
        }
    }

    private static String log(Arena a, MemorySegment program) throws Throwable {
        MemorySegment size = a.allocate(JAVA_LONG);
        if ((int) nvrtcGetProgramLogSize.invokeExact(program, size) != NVRTC_SUCCESS || size.get(JAVA_LONG, 0) <= 1) {
            return "";
        }
        MemorySegment text = a.allocate(size.get(JAVA_LONG, 0));
        if ((int) nvrtcGetProgramLog.invokeExact(program, text) != NVRTC_SUCCESS) {
            return "";
        }
        return text.getString(0).strip();
    }

    /** A multi-line compiler log as one line: lines joined by " | ", so the first error is in view. */
    static String oneLine(String log) {
        return String.join(" | ", log.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }

    static void check(String call, int status) {
        if (status != NVRTC_SUCCESS) {
            throw new CudaException(call, status, errorString(status), null);
        }
    }

    static String errorString(int status) {
        if (nvrtcGetErrorString != null) {
            try {
                MemorySegment text = (MemorySegment) nvrtcGetErrorString.invokeExact(status);
                if (!text.equals(MemorySegment.NULL)) {
                    return text.reinterpret(Long.MAX_VALUE).getString(0);
                }
            } catch (Throwable ignored) {
                // fall through to the number alone
            }
        }
        return "nvrtcResult " + status;
    }
}
