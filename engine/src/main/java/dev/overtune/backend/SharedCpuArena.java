package dev.overtune.backend;

import ai.onnxruntime.OrtEnvironment;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * One CPU memory arena for every ONNX Runtime session of the process, growing by exactly what is asked.
 *
 * <p>Why: each session's own arena grows in power-of-two regions and keeps them, so a training session
 * held ~130 MiB more than its tensors needed, and a fine-tune's train and eval sessions each kept their
 * own. The Java API cannot configure arenas, so this registers one through the C API
 * ({@code CreateArenaCfgV2} with {@code arena_extend_strategy = kSameAsRequested},
 * {@code CreateAndRegisterAllocator}) on the environment the Java API created, and sessions opt in with
 * {@code session.use_env_allocators}. Where that fails, sessions keep their own arenas: only memory use
 * differs, never results.
 */
final class SharedCpuArena {
    // Slots of struct OrtApi (append-only across versions; checked against onnxruntime_c_api.h of 1.13+).
    private static final int GET_ERROR_MESSAGE = 2;
    private static final int CREATE_CPU_MEMORY_INFO = 69;
    private static final int RELEASE_STATUS = 93;
    private static final int RELEASE_MEMORY_INFO = 94;
    private static final int CREATE_AND_REGISTER_ALLOCATOR = 144;
    private static final int RELEASE_ARENA_CFG = 157;
    private static final int CREATE_ARENA_CFG_V2 = 164;
    private static final int ORT_ARENA_ALLOCATOR = 1;
    private static final int ORT_MEM_TYPE_DEFAULT = 0;
    private static final long SAME_AS_REQUESTED = 1;

    /** The session option that makes a session allocate from the environment's registered arena. */
    static final String USE_ENV_ALLOCATORS = "session.use_env_allocators";

    private static final Linker LINKER = Linker.nativeLinker();
    private static String failure;
    private static boolean registered;

    private SharedCpuArena() {}

    /** Registers the arena once per process; true when sessions can use it. */
    static synchronized boolean register(OrtEnvironment env) {
        if (!registered && failure == null) {
            try {
                registerNow(env);
                registered = true;
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Never null: a null would make every compile try again.
                failure = String.valueOf(e.getMessage() != null ? e.getMessage() : e);
            }
        }
        return registered;
    }

    /** Why the shared arena is not in use, or null when it is (or was never tried). */
    static synchronized String failure() {
        return failure;
    }

    private static void registerNow(OrtEnvironment env) throws ReflectiveOperationException {
        MemorySegment api = MemorySegment.ofAddress(ortApi()).reinterpret(256 * ValueLayout.ADDRESS.byteSize());
        MemorySegment envHandle = MemorySegment.ofAddress(envHandle(env));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment infoOut = arena.allocate(ValueLayout.ADDRESS);
            check(api, call(api, CREATE_CPU_MEMORY_INFO, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                    ORT_ARENA_ALLOCATOR, ORT_MEM_TYPE_DEFAULT, infoOut), "CreateCpuMemoryInfo");
            MemorySegment info = infoOut.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment keys = arena.allocate(ValueLayout.ADDRESS, 1);
                keys.setAtIndex(ValueLayout.ADDRESS, 0, arena.allocateFrom("arena_extend_strategy"));
                MemorySegment values = arena.allocate(ValueLayout.JAVA_LONG, 1);
                values.setAtIndex(ValueLayout.JAVA_LONG, 0, SAME_AS_REQUESTED);
                MemorySegment cfgOut = arena.allocate(ValueLayout.ADDRESS);
                check(api, call(api, CREATE_ARENA_CFG_V2, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                        keys, values, 1L, cfgOut), "CreateArenaCfgV2");
                MemorySegment cfg = cfgOut.get(ValueLayout.ADDRESS, 0);
                try {
                    check(api, call(api, CREATE_AND_REGISTER_ALLOCATOR, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                            envHandle, info, cfg), "CreateAndRegisterAllocator");
                } finally {
                    call(api, RELEASE_ARENA_CFG, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), cfg);
                }
            } finally {
                call(api, RELEASE_MEMORY_INFO, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), info);
            }
        }
    }

    /** The OrtApi table the Java binding loaded (ai.onnxruntime.OnnxRuntime.ortApiHandle). */
    private static long ortApi() throws ReflectiveOperationException {
        Field f = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("ortApiHandle");
        f.setAccessible(true);
        long handle = f.getLong(null);
        if (handle == 0) {
            throw new IllegalStateException("ONNX Runtime's API table is not initialised");
        }
        return handle;
    }

    private static long envHandle(OrtEnvironment env) throws ReflectiveOperationException {
        Method m = OrtEnvironment.class.getDeclaredMethod("getNativeHandle");
        m.setAccessible(true);
        return (long) m.invoke(env);
    }

    private static Object call(MemorySegment api, int slot, FunctionDescriptor descriptor, Object... args) {
        MemorySegment fn = api.getAtIndex(ValueLayout.ADDRESS, slot);
        if (fn.address() == 0) {
            throw new IllegalStateException("ONNX Runtime's API table has no function in slot " + slot);
        }
        MethodHandle handle = LINKER.downcallHandle(fn, descriptor);
        try {
            return handle.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void check(MemorySegment api, Object status, String function) {
        MemorySegment s = (MemorySegment) status;
        if (s.address() == 0) {
            return;
        }
        String message;
        try {
            MemorySegment text = (MemorySegment) call(api, GET_ERROR_MESSAGE, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS), s);
            message = text.reinterpret(Long.MAX_VALUE).getString(0);
        } finally {
            call(api, RELEASE_STATUS, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), s);
        }
        throw new IllegalStateException("ONNX Runtime " + function + " failed: " + message);
    }
}
