package dev.overtune.cuda.driver;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Optional;

/**
 * The FFM layout a C type must have in a downcall descriptor, by the native linker's own canonical
 * layouts ({@code int}, {@code long long}, {@code size_t}, …): pointers, handles and function
 * pointers are ADDRESS, enums are int, unsigned types are their signed twins, typedefs are followed
 * to what they name. A by-value struct or union has no single layout: empty.
 *
 * <p>One rule departs from the canonical layouts: a {@code char} or {@code short} parameter is
 * JAVA_INT, the Java side widening the value itself. The linker passes a JAVA_BYTE or JAVA_SHORT
 * sign-extended to 32 bits (JDK 25 on x86-64: {@code (byte) 0x80} arrives as 0xffffff80), while
 * the x86-64 convention clang compiles callees to expects an unsigned one zero-extended; an int
 * with the value already widened is right for either kind of callee.
 */
final class CLayouts {
    private static final Map<String, MemoryLayout> CANONICAL = Linker.nativeLinker().canonicalLayouts();
    private static final Map<String, String> FIXED_WIDTH = Map.of("int8_t", "char", "uint8_t", "char", "int16_t", "short",
            "uint16_t", "short", "int32_t", "int", "uint32_t", "int", "int64_t", "long long", "uint64_t", "long long");

    private final Map<String, String> typedefs;

    CLayouts(Map<String, String> typedefs) {
        this.typedefs = typedefs;
    }

    /** The layout of a parameter or return type; "void" for a void return. Empty where C passes no scalar. */
    Optional<String> of(String cType) {
        String t = cType.replaceAll("\\b(const|volatile|restrict)\\b", " ").replaceAll("\\s+", " ").strip();
        for (int hops = 0; hops < 16; hops++) {
            if (t.contains("*") || t.contains("[")) {
                return Optional.of(name(CANONICAL.get("void*")));
            }
            if (t.equals("enum") || t.startsWith("enum ")) {
                return Optional.of(name(CANONICAL.get("int")));
            }
            if (t.equals("void")) {
                return Optional.of("void");
            }
            String next = typedefs.get(t);
            if (next == null) {
                break;
            }
            t = next.replaceAll("\\b(const|volatile)\\b", " ").replaceAll("\\s+", " ").strip();
        }
        String base = canonicalName(t);
        MemoryLayout layout = CANONICAL.get(base.equals("char") || base.equals("short") ? "int" : base);
        return Optional.ofNullable(layout).map(CLayouts::name);
    }

    private static String canonicalName(String t) {
        String s = FIXED_WIDTH.getOrDefault(t, t).replaceAll("\\b(signed|unsigned)\\b", " ").replaceAll("\\s+", " ").strip();
        if (s.isEmpty()) {
            return "int"; // plain "unsigned" / "signed"
        }
        return s.equals("long long int") ? "long long" : s.equals("long int") ? "long" : s.equals("short int") ? "short" : s;
    }

    /** ADDRESS, JAVA_INT, JAVA_LONG, … (what the binding classes write); a struct as FFM prints it. */
    static String name(MemoryLayout layout) {
        if (layout instanceof AddressLayout) {
            return "ADDRESS";
        }
        if (layout instanceof ValueLayout v) {
            return "JAVA_" + v.carrier().getSimpleName().toUpperCase();
        }
        return layout.toString();
    }

    static String returnName(FunctionDescriptor descriptor) {
        return descriptor.returnLayout().map(CLayouts::name).orElse("void");
    }
}
