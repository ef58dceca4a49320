package dev.overtune.cuda.driver;

import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Binds a library's functions to method handles once, at class initialisation, in the manner of
 * Lucene's {@code PosixNativeAccess}: each binding class keeps its handles in {@code static final}
 * fields, and a missing library or symbol leaves them null and turns into one reason, read through
 * {@link #outcome()}, instead of an error at the first call.
 */
final class Binder {
    private static final Linker LINKER = Linker.nativeLinker();

    private final Outcome<NativeLibrary> library;
    private final List<String> missing = new ArrayList<>();

    Binder(Outcome<NativeLibrary> library) {
        this.library = library;
    }

    /** The first of the function's symbols the library exports, bound to its descriptor; null (and noted) when none is. */
    MethodHandle bind(Downcall function) {
        if (!(library instanceof Outcome.Available<NativeLibrary>(NativeLibrary lib))) {
            return null;
        }
        for (String name : function.symbols()) {
            Optional<MemorySegment> symbol = lib.symbols().find(name);
            if (symbol.isPresent()) {
                return LINKER.downcallHandle(symbol.get(), function.descriptor());
            }
        }
        missing.add(function.symbol());
        return null;
    }

    /** Like {@link #bind} but for symbols the bindings can do without (older libraries). */
    MethodHandle bindOptional(Downcall function) {
        int before = missing.size();
        MethodHandle handle = bind(function);
        while (missing.size() > before) {
            missing.removeLast();
        }
        return handle;
    }

    /** The library, or why it cannot be used: not found, or lacking required symbols. */
    Outcome<NativeLibrary> outcome() {
        if (library instanceof Outcome.Available<NativeLibrary>(NativeLibrary lib) && !missing.isEmpty()) {
            return Outcome.missing(lib + " lacks " + String.join(", ", missing) + ": it is not " + lib.spec().what()
                    + " or is too old for overtune (needs CUDA 12 or newer)");
        }
        return library;
    }
}
