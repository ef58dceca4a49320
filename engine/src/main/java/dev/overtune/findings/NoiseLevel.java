package dev.overtune.findings;


import dev.overtune.probe.Probe;

import java.util.Comparator;

/** One setting of the noise probe: how σ is sized ({@code init}, {@code absolute}, {@code relative}) and γ. */
public record NoiseLevel(String scale, double gamma) implements Comparable<NoiseLevel> {
    private static final Comparator<NoiseLevel> ORDER = Comparator.comparing(NoiseLevel::scale).thenComparingDouble(NoiseLevel::gamma);

    static NoiseLevel of(Probe.Noise p) {
        return new NoiseLevel(p.scale().label(), p.gamma());
    }

    public String label() {
        return "γ=" + Format.number(gamma);
    }

    @Override
    public int compareTo(NoiseLevel o) {
        return ORDER.compare(this, o);
    }
}
