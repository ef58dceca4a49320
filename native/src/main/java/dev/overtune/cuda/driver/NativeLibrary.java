package dev.overtune.cuda.driver;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One loaded native library: which soname matched, where it was found, and its symbols. Libraries
 * are loaded into the global arena and stay loaded for the life of the process, as the CUDA
 * libraries expect.
 */
public record NativeLibrary(LibrarySpec spec, String soname, String location, SymbolLookup symbols) {

    /** Finds the library: the override variable's file, else each soname on the loader's path, else in {@link LibrarySearch#directories()}. */
    public static Outcome<NativeLibrary> locate(LibrarySpec spec) {
        return locate(spec, System.getenv(), LibrarySearch.directories());
    }

    static Outcome<NativeLibrary> locate(LibrarySpec spec, Map<String, String> env, List<Path> directories) {
        String override = env.get(spec.overrideVariable());
        if (override != null && !override.isBlank()) {
            Path file = Path.of(override);
            if (!Files.isRegularFile(file)) {
                return Outcome.missing(spec.overrideVariable() + "=" + override + " names no file; unset it or point it at " + spec.sonames().getFirst());
            }
            return load(spec, file.getFileName().toString(), file.toString())
                    .orElse(Outcome.missing(spec.overrideVariable() + "=" + override + " could not be loaded (wrong architecture or a missing dependency: check with ldd)"));
        }
        for (String soname : spec.sonames()) {
            Outcome<NativeLibrary> found = load(spec, soname, soname).orElse(null);
            if (found != null) {
                return found;
            }
        }
        List<String> unloadable = new ArrayList<>();
        for (Path dir : directories) {
            for (String soname : spec.sonames()) {
                Path file = dir.resolve(soname);
                if (Files.exists(file)) {
                    Outcome<NativeLibrary> found = load(spec, soname, file.toString()).orElse(null);
                    if (found != null) {
                        return found;
                    }
                    unloadable.add(file.toString());
                }
            }
        }
        StringBuilder reason = new StringBuilder(spec.what()).append(" not found: tried ")
                .append(String.join(", ", spec.sonames())).append(" on the system library path");
        if (!directories.isEmpty()) {
            reason.append(" and in ").append(directories.size()).append(directories.size() == 1 ? " directory (" : " directories (")
                    .append(String.join(", ", directories.stream().limit(4).map(Path::toString).toList()))
                    .append(directories.size() > 4 ? ", …)" : ")");
        }
        if (!unloadable.isEmpty()) {
            reason.append("; found but could not load ").append(String.join(", ", unloadable))
                    .append(" (wrong architecture or a missing dependency: check with ldd)");
        }
        return Outcome.missing(reason.append("; ").append(spec.installHint()).toString());
    }

    /** The library loaded from name (a soname for the loader's search, or a path), or empty when dlopen refuses it. */
    private static Optional<Outcome<NativeLibrary>> load(LibrarySpec spec, String soname, String name) {
        if (name.indexOf('/') >= 0) {
            loadCompanions(spec, Path.of(name).toAbsolutePath().getParent());
        }
        try {
            SymbolLookup lookup = name.indexOf('/') >= 0
                    ? SymbolLookup.libraryLookup(Path.of(name), Arena.global())
                    : SymbolLookup.libraryLookup(name, Arena.global());
            return Optional.of(Outcome.of(new NativeLibrary(spec, soname, name, lookup)));
        } catch (IllegalArgumentException notLoadable) {
            return Optional.empty();
        } catch (IllegalCallerException noNativeAccess) {
            return Optional.of(Outcome.missing("native access is disabled, so " + spec.what()
                    + " cannot be loaded: run java with --enable-native-access=ALL-UNNAMED"));
        }
    }

    /**
     * Loads the libraries this one opens by bare name (NVRTC's builtins, cuBLAS's cuBLASLt) from its
     * own directory first: once loaded, the dynamic loader matches them by soname, so a library
     * found outside the loader's path still finds its companions. Best effort: a failure here
     * shows later as the library's own error.
     */
    private static void loadCompanions(LibrarySpec spec, Path dir) {
        if (dir == null) {
            return;
        }
        for (String glob : spec.companions()) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, glob)) {
                for (Path file : files) {
                    try {
                        SymbolLookup.libraryLookup(file, Arena.global());
                    } catch (IllegalArgumentException | IllegalCallerException ignored) {
                        // reported by the library that needs it
                    }
                }
            } catch (IOException | SecurityException ignored) {
                // nothing to preload
            }
        }
    }

    @Override
    public String toString() {
        return soname + (location.equals(soname) ? "" : " (" + location + ")");
    }
}
