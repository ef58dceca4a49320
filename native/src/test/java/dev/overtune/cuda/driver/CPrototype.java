package dev.overtune.cuda.driver;

import java.util.List;

/** A C function declaration: its name, return type and parameters' types (names dropped), as written. */
record CPrototype(String name, String returnType, List<String> parameterTypes) {
    static CPrototype of(String name, String returnType, String... parameterTypes) {
        return new CPrototype(name, returnType, List.of(parameterTypes));
    }
}
