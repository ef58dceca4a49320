package dev.overtune.cuda.driver;

import java.lang.foreign.FunctionDescriptor;
import java.util.List;

/**
 * One C function a binding class binds: the symbols to try, in order (the first is the one CUDA
 * 13's headers compile to, any later ones fallbacks for older libraries sharing its prototype),
 * and the descriptor of that prototype. The binding classes keep these in a nested class of their
 * own so that reading them loads no library: {@code DowncallSignatureTest} checks each against the
 * C headers.
 */
record Downcall(FunctionDescriptor descriptor, List<String> symbols) {
    static Downcall of(FunctionDescriptor descriptor, String... symbols) {
        return new Downcall(descriptor, List.of(symbols));
    }

    /** The name the current headers compile a call to. */
    String symbol() {
        return symbols.getFirst();
    }
}
