package dev.overtune.bench.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The OpenBLAS core type the PyTorch peer runs with, chosen so the peer is at its best: an environment may pin
 * {@code OPENBLAS_CORETYPE} to an older kernel (older OpenBLAS builds misdetect newer CPUs, so images set Haswell),
 * which halves PyTorch's matmul on an AVX-512 machine. The choice tries no pin and every core type the CPU's
 * instruction set runs, and keeps the fastest whose eval loss agrees with overtune's.
 *
 * @param coretype the value of OPENBLAS_CORETYPE, or null for none (OpenBLAS detects the CPU itself)
 * @param core     the kernel OpenBLAS reported it ran ({@code openblas_get_corename})
 * @param reason   why this one, one line
 * @param tried    one line per candidate, for the report
 */
public record PeerBlas(String coretype, String core, String reason, List<String> tried) {
    static final String VARIABLE = "OPENBLAS_CORETYPE";
    static final String UNSET = "unset";
    /** What the peer reports when the BLAS it loaded has no openblas_get_corename (bench/peers/torch_worker.py). */
    static final String NOT_OPENBLAS = "not OpenBLAS";

    /** The environment the peer's workers get for this choice. */
    public Map<String, String> env() {
        return coretype == null ? Map.of() : Map.of(VARIABLE, coretype);
    }

    /** The inherited variables the peer's workers must not see. */
    public Set<String> unset() {
        return coretype == null ? Set.of(VARIABLE) : Set.of();
    }

    public String label() {
        return (coretype == null ? VARIABLE + " unset" : VARIABLE + "=" + coretype) + " (OpenBLAS ran " + core + ")";
    }

    /** The given core type, without trying others ({@code --openblas-coretype}). */
    public static PeerBlas given(String coretype) {
        String value = coretype.equals(UNSET) ? null : coretype;
        return new PeerBlas(value, "as the worker reports", "given by --openblas-coretype", List.of());
    }

    /**
     * The core types to try on a CPU with these /proc/cpuinfo flags: unset first, then any the environment pins,
     * then each OpenBLAS x86-64 kernel the instruction set runs, oldest first.
     */
    static List<String> candidates(Set<String> flags, String pinned) {
        Set<String> out = new LinkedHashSet<>();
        out.add(UNSET);
        if (pinned != null && !pinned.isBlank()) {
            out.add(pinned);
        }
        if (flags.contains("avx2") && flags.contains("fma")) {
            out.add("Haswell");
            out.add("Zen");
        }
        if (flags.containsAll(List.of("avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"))) {
            out.add("SkylakeX");
            if (flags.contains("avx512_bf16")) {
                out.add("Cooperlake");
            }
            if (flags.contains("amx_tile") && flags.contains("avx512_fp16")) {
                out.add("SapphireRapids");
            }
        }
        return List.copyOf(out);
    }

    /** The flags of the first processor in a /proc/cpuinfo text. */
    static Set<String> cpuFlags(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags")) {
                int colon = line.indexOf(':');
                return Set.of(line.substring(colon + 1).strip().split("\\s+"));
            }
        }
        return Set.of();
    }

    static Set<String> cpuFlags() {
        try {
            return cpuFlags(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** What one candidate did: the core OpenBLAS ran, its eval loss, its fastest training step and 1024³ matmul rate. */
    record Trial(String coretype, String core, double evalLoss, double stepSeconds, double matmulGflops) {}

    /**
     * Tries each candidate with {@code trial} (which starts a peer with that environment and measures it) and keeps the
     * fastest training step among those whose eval loss agrees with overtune's within {@code tolerance} (relative).
     * A candidate OpenBLAS does not know runs another kernel: it is reported as such and not measured twice.
     */
    static PeerBlas choose(List<String> candidates, double overtuneLoss, double tolerance, Function<String, Trial> trial,
                           Consumer<String> progress) {
        List<String> tried = new ArrayList<>();
        Map<String, Trial> byCore = new HashMap<>();
        Trial best = null;
        for (String candidate : candidates) {
            Trial t = trial.apply(candidate);
            if (t.core().equals(NOT_OPENBLAS)) {
                String warning = String.format(Locale.ROOT, "THE PEER IS NOT AT ITS BEST: its BLAS is not OpenBLAS (1024³ matmul %.1f GFLOP/s);"
                        + " install it (sudo apt-get install libopenblas0-pthread) and rerun", t.matmulGflops());
                progress.accept("peer OpenBLAS: " + warning);
                return new PeerBlas(null, NOT_OPENBLAS, warning, List.of(warning));
            }
            String name = candidate.equals(UNSET) ? VARIABLE + " unset" : VARIABLE + "=" + candidate;
            if (!candidate.equals(UNSET) && !t.core().equalsIgnoreCase(candidate)) {
                tried.add(String.format(Locale.ROOT, "%-32s OpenBLAS does not accept it and ran %s", name, t.core()));
                if (byCore.containsKey(t.core())) {
                    continue;
                }
            }
            byCore.putIfAbsent(t.core(), t);
            double relative = Math.abs(t.evalLoss() - overtuneLoss) / Math.max(1e-12, Math.abs(overtuneLoss));
            boolean agrees = relative <= tolerance;
            String line = String.format(Locale.ROOT, "%-32s ran %-11s training step %8.2f ms, 1024³ matmul %6.1f GFLOP/s, eval loss %s (%.1e)",
                    name, t.core(), 1e3 * t.stepSeconds(), t.matmulGflops(), agrees ? "agrees" : "DISAGREES", relative);
            tried.add(line);
            progress.accept("peer OpenBLAS: " + line);
            if (agrees && (best == null || t.stepSeconds() < best.stepSeconds())) {
                best = t;
            }
        }
        if (best == null) {
            throw new IllegalStateException("no OpenBLAS core type gave the peer an eval loss that agrees with overtune's "
                    + overtuneLoss + ":\n  " + String.join("\n  ", tried));
        }
        Trial chosen = best;
        String runnerUp = byCore.values().stream().filter(t -> t != chosen)
                .filter(t -> Math.abs(t.evalLoss() - overtuneLoss) / Math.max(1e-12, Math.abs(overtuneLoss)) <= tolerance)
                .min(java.util.Comparator.comparingDouble(Trial::stepSeconds))
                .map(t -> String.format(Locale.ROOT, "; the next fastest, %s, took %.2f ms", t.core(), 1e3 * t.stepSeconds())).orElse("");
        long agreeing = byCore.values().stream()
                .filter(t -> Math.abs(t.evalLoss() - overtuneLoss) / Math.max(1e-12, Math.abs(overtuneLoss)) <= tolerance).count();
        String reason = String.format(Locale.ROOT, "the fastest training step (%.2f ms) of the %d kernels tried whose eval loss agrees with"
                + " overtune's (%d tried)%s", 1e3 * chosen.stepSeconds(), agreeing, byCore.size(), runnerUp);
        return new PeerBlas(chosen.coretype().equals(UNSET) ? null : chosen.coretype(), chosen.core(), reason, List.copyOf(tried));
    }
}
