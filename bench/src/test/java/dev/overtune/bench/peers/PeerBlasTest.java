package dev.overtune.bench.peers;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerBlasTest {
    private static final Set<String> AVX2 = Set.of("sse4_2", "avx", "avx2", "fma");
    private static final Set<String> AVX512_BF16 = Set.of("avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd",
            "avx512_bf16");

    @Test
    void candidatesFollowTheInstructionSetAndIncludeThePinnedValue() {
        assertEquals(List.of("unset", "Haswell", "Zen"), PeerBlas.candidates(AVX2, null));
        assertEquals(List.of("unset", "Haswell", "Zen", "SkylakeX", "Cooperlake"), PeerBlas.candidates(AVX512_BF16, "Haswell"));
        assertEquals(List.of("unset", "Prescott", "Haswell", "Zen"), PeerBlas.candidates(AVX2, "Prescott"));
        assertEquals(List.of("unset"), PeerBlas.candidates(Set.of("sse2"), ""));
    }

    @Test
    void cpuFlagsAreReadFromTheFirstProcessor() {
        assertEquals(Set.of("fpu", "avx2", "fma"), PeerBlas.cpuFlags("processor\t: 0\nflags\t\t: fpu avx2 fma\n\nprocessor\t: 1\nflags\t: fpu\n"));
        assertEquals(Set.of(), PeerBlas.cpuFlags("processor\t: 0\n"));
    }

    @Test
    void theFastestAgreeingKernelIsKeptAndUnknownNamesAreNotMeasuredTwice() {
        Map<String, PeerBlas.Trial> trials = Map.of(
                "unset", new PeerBlas.Trial("unset", "Haswell", 3.0, 0.040, 80),
                "Haswell", new PeerBlas.Trial("Haswell", "Haswell", 3.0, 0.041, 80),
                "SkylakeX", new PeerBlas.Trial("SkylakeX", "SkylakeX", 3.5, 0.010, 300), // fast but wrong: not kept
                "Cooperlake", new PeerBlas.Trial("Cooperlake", "Zen", 3.0, 0.030, 120));    // not accepted: ran Zen
        List<String> asked = new ArrayList<>();
        PeerBlas chosen = PeerBlas.choose(List.of("unset", "Haswell", "SkylakeX", "Cooperlake"), 3.0, 1e-4, c -> {
            asked.add(c);
            return trials.get(c);
        }, line -> { });
        assertEquals("Cooperlake", chosen.coretype());
        assertEquals("Zen", chosen.core());
        assertEquals(Map.of("OPENBLAS_CORETYPE", "Cooperlake"), chosen.env());
        assertTrue(chosen.reason().contains("30.00 ms"), chosen.reason());
        assertTrue(chosen.tried().stream().anyMatch(l -> l.contains("SkylakeX") && l.contains("DISAGREES")), chosen.tried().toString());
        assertTrue(chosen.tried().stream().anyMatch(l -> l.contains("Cooperlake") && l.contains("does not accept it and ran Zen")));
        assertEquals(List.of("unset", "Haswell", "SkylakeX", "Cooperlake"), asked);
    }

    @Test
    void unsetIsKeptByRemovingTheInheritedPin() {
        PeerBlas chosen = PeerBlas.choose(List.of("unset", "Haswell"), 3.0, 1e-4,
                c -> new PeerBlas.Trial(c, "Cooperlake".equals(c) ? c : c.equals("unset") ? "Cooperlake" : c, 3.0, c.equals("unset") ? 0.01 : 0.02, 100),
                line -> { });
        assertNull(chosen.coretype());
        assertEquals(Map.of(), chosen.env());
        assertEquals(Set.of("OPENBLAS_CORETYPE"), chosen.unset());
    }

    @Test
    void noAgreeingKernelIsAnErrorListingWhatWasTried() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PeerBlas.choose(List.of("unset"), 3.0, 1e-4,
                c -> new PeerBlas.Trial(c, "Haswell", 4.0, 0.01, 100), line -> { }));
        assertTrue(e.getMessage().startsWith("no OpenBLAS core type gave the peer an eval loss that agrees with overtune's 3.0"), e.getMessage());
        assertTrue(e.getMessage().contains("DISAGREES"), e.getMessage());
    }

    @Test
    void aPeerWithoutOpenBlasIsReportedAsNotAtItsBest() {
        List<String> asked = new ArrayList<>();
        PeerBlas chosen = PeerBlas.choose(List.of("unset", "Haswell"), 3.0, 1e-4, c -> {
            asked.add(c);
            return new PeerBlas.Trial(c, PeerBlas.NOT_OPENBLAS, 3.0, 0.5, 3.8);
        }, line -> { });
        assertEquals(List.of("unset"), asked);
        assertTrue(chosen.reason().startsWith("THE PEER IS NOT AT ITS BEST: its BLAS is not OpenBLAS (1024³ matmul 3.8 GFLOP/s)"), chosen.reason());
    }
}
