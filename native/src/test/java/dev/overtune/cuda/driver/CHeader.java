package dev.overtune.cuda.driver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a C header declares, as a C compiler on 64-bit Linux sees it: the typedefs, and each
 * function's prototype under the symbol a call compiles to (so {@code cuMemAlloc}, which cuda.h
 * renames by {@code #define cuMemAlloc cuMemAlloc_v2}, is found as {@code cuMemAlloc_v2}). Only as
 * much C as the CUDA headers use: conditionals are evaluated (so the ILP32 and internal-build
 * branches drop out), object-like macros that rename a function are followed, and top-level
 * statements are read as typedefs or prototypes.
 */
record CHeader(Map<String, String> typedefs, Map<String, CPrototype> prototypes) {
    /** A GCC-compatible compiler for x86-64 / aarch64 Linux, C17, no internal-build or per-thread-stream macros. */
    private static final Map<String, Long> PREDEFINED = Map.of("__LP64__", 1L, "__linux__", 1L, "__GNUC__", 12L, "__STDC_VERSION__", 201710L);
    private static final Pattern RENAME = Pattern.compile("define\\s+(\\w+)\\s+(\\w+)\\s*(?:\\(\\s*(\\w+)\\s*\\))?");
    private static final Pattern IDENTITY_MACRO = Pattern.compile("define\\s+(\\w+)\\(\\s*(\\w+)\\s*\\)\\s+(\\w+)");
    private static final Pattern FUNCTION = Pattern.compile("(.*?)\\b(\\w+)\\s*\\((.*)\\)", Pattern.DOTALL);
    private static final Pattern FUNCTION_POINTER_NAME = Pattern.compile("\\(\\s*\\w*\\s*\\*\\s*(\\w+)\\s*\\)\\s*\\(");
    private static final Pattern NAMED = Pattern.compile("(.*?[\\s*])(\\w+)\\s*(\\[[^]]*])?");
    /** Calling-convention and attribute macros that decorate declarations (CUDAAPI, CUBLASWINAPI, __device_builtin__, …). */
    private static final Pattern DECORATION = Pattern.compile("\\b(?:[A-Z]+API|__CUDA_DEPRECATED)\\b|\\b__\\w+__\\b(?:\\s*\\([^)]*\\))?");

    static CHeader parse(String... texts) {
        Map<String, String> typedefs = new HashMap<>();
        Map<String, String> renames = new HashMap<>();
        List<CPrototype> declared = new ArrayList<>();
        for (String text : texts) {
            String code = preprocess(text, renames);
            for (String statement : statements(code)) {
                String s = DECORATION.matcher(statement).replaceAll(" ").strip().replaceAll("\\s+", " ");
                Matcher function = FUNCTION.matcher(s);
                if (s.startsWith("typedef ")) {
                    typedef(s.substring(8), typedefs);
                } else if (function.matches() && !function.group(1).isBlank()) {
                    declared.add(new CPrototype(function.group(2), function.group(1).strip(), parameters(function.group(3))));
                }
            }
        }
        Map<String, CPrototype> prototypes = new LinkedHashMap<>();
        for (CPrototype p : declared) {
            String symbol = p.name();
            for (int i = 0; i < 8 && renames.containsKey(symbol); i++) {
                symbol = renames.get(symbol);
            }
            prototypes.putIfAbsent(symbol, p);
        }
        return new CHeader(typedefs, prototypes);
    }

    /** Comments out, continuation lines joined, inactive branches and directives dropped; renaming macros collected. */
    private static String preprocess(String text, Map<String, String> renames) {
        String code = text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", "").replace("\\\n", " ");
        Deque<Branch> stack = new ArrayDeque<>();
        Set<String> identities = new HashSet<>();
        StringBuilder out = new StringBuilder();
        for (String line : code.split("\n")) {
            String t = line.strip();
            boolean active = stack.isEmpty() || stack.peek().active();
            if (!t.startsWith("#")) {
                if (active) {
                    out.append(line).append('\n');
                }
                continue;
            }
            String d = t.substring(1).strip();
            String word = d.split("\\s+|\\(", 2)[0];
            String rest = d.substring(word.length()).strip();
            switch (word) {
                case "ifdef" -> push(stack, active, PREDEFINED.containsKey(rest));
                case "ifndef" -> push(stack, active, !PREDEFINED.containsKey(rest));
                case "if" -> push(stack, active, ConditionEvaluator.isTrue(rest, PREDEFINED));
                case "elif" -> {
                    Branch b = stack.pop();
                    boolean now = b.outerActive() && !b.taken() && ConditionEvaluator.isTrue(rest, PREDEFINED);
                    stack.push(new Branch(b.outerActive(), now, b.taken() || now));
                }
                case "else" -> {
                    Branch b = stack.pop();
                    stack.push(new Branch(b.outerActive(), b.outerActive() && !b.taken(), true));
                }
                case "endif" -> stack.pop();
                case "define" -> {
                    if (active) {
                        Matcher identity = IDENTITY_MACRO.matcher(d);
                        if (identity.matches() && identity.group(2).equals(identity.group(3))) {
                            identities.add(identity.group(1));
                        }
                        Matcher rename = RENAME.matcher(d);
                        if (rename.matches() && rename.group(3) == null) {
                            renames.put(rename.group(1), rename.group(2));
                        } else if (rename.matches() && identities.contains(rename.group(2))) {
                            renames.put(rename.group(1), rename.group(3));
                        }
                    }
                }
                default -> { } // #include, #undef, #pragma, #error: nothing a declaration depends on here
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** One open conditional: whether its surroundings are compiled, whether the current branch is, whether one was. */
    private record Branch(boolean outerActive, boolean active, boolean taken) {}

    private static void push(Deque<Branch> stack, boolean outer, boolean condition) {
        stack.push(new Branch(outer, outer && condition, condition));
    }

    /** Top-level statements: split at semicolons outside braces and parentheses; extern "C" { } opens no scope. */
    private static List<String> statements(String code) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '{' || c == '(') {
                depth++;
            } else if (c == '}' || c == ')') {
                depth--;
            }
            if (c == ';' && depth == 0) {
                statements.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        return statements;
    }

    private static void typedef(String body, Map<String, String> typedefs) {
        if (body.contains("{")) {
            String kind = body.split("\\s+", 2)[0];
            String declarators = body.substring(body.lastIndexOf('}') + 1);
            for (String declarator : declarators.split(",")) {
                String name = declarator.replace("*", "").strip();
                typedefs.put(name, declarator.contains("*") ? "void *" : kind.equals("enum") ? "enum" : kind + " " + name);
            }
            return;
        }
        Matcher pointer = FUNCTION_POINTER_NAME.matcher(body);
        if (pointer.find()) {
            typedefs.put(pointer.group(1), "void *");
            return;
        }
        Matcher named = NAMED.matcher(body);
        if (named.matches()) {
            typedefs.put(named.group(2), named.group(1).strip() + (named.group(3) != null ? " *" : ""));
        }
    }

    /** Each parameter's type with its name removed; an array parameter is a pointer, (void) is none. */
    private static List<String> parameters(String list) {
        List<String> types = new ArrayList<>();
        if (list.isBlank() || list.strip().equals("void")) {
            return types;
        }
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= list.length(); i++) {
            char c = i < list.length() ? list.charAt(i) : ',';
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (c == ',' && depth == 0) {
                types.add(withoutName(list.substring(start, i).strip()));
                start = i + 1;
            }
        }
        return types;
    }

    private static String withoutName(String parameter) {
        if (parameter.contains("(")) {
            return "void *"; // a function pointer
        }
        Matcher m = NAMED.matcher(parameter);
        return m.matches() ? m.group(1).strip() + (m.group(3) != null ? " *" : "") : parameter;
    }
}
