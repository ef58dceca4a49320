package dev.overtune.layering;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The package graph of the main sources of some modules, read as text: every {@code import dev.overtune...} and every
 * fully qualified {@code dev.overtune.x.Y} in code (comments and string literals left out), from the package of the
 * file to the package of the type. A plain scan, not a compiler: enough to keep the floors honest.
 *
 * @param modules the module each package's sources are in
 * @param edges   for each package, the packages it uses, each with one file that shows it
 */
record ImportScan(Map<String, String> modules, Map<String, Map<String, String>> edges) {
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    /** A qualified name up to its first capitalised segment (the type): the part before it is the package. */
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.overtune((?:\\.[a-z_][\\w]*)*)\\.[A-Z]");
    private static final Pattern COMMENTS_AND_STRINGS =
            Pattern.compile("/\\*.*?\\*/|//[^\\n]*|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])*'", Pattern.DOTALL);

    /** Scans {@code <root>/<module>/src/main/java} of each module named. */
    static ImportScan of(Path root, String... moduleNames) {
        Map<String, String> modules = new TreeMap<>();
        Map<String, Map<String, String>> edges = new TreeMap<>();
        for (String module : moduleNames) {
            Path src = root.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) {
                throw new IllegalArgumentException(src + ": no such source directory");
            }
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    String text = Files.readString(f);
                    Matcher pm = PACKAGE.matcher(text);
                    if (!pm.find()) {
                        continue;
                    }
                    String pkg = pm.group(1);
                    modules.put(pkg, module);
                    Map<String, String> out = edges.computeIfAbsent(pkg, k -> new TreeMap<>());
                    Matcher rm = REFERENCE.matcher(COMMENTS_AND_STRINGS.matcher(text).replaceAll(" "));
                    while (rm.find()) {
                        String target = "dev.overtune" + rm.group(1);
                        if (!target.equals(pkg)) {
                            out.putIfAbsent(target, root.relativize(f).toString());
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new ImportScan(modules, edges);
    }

    Set<String> packages() {
        return new TreeSet<>(modules.keySet());
    }
}
