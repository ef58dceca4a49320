package dev.overtune.findings;

import dev.overtune.scan.UnitResult;

import java.util.Comparator;

/** One setting of the noise probe: how σ is sized ({@code init}, {@code absolute}, {@code relative}) and γ. */
public record NoiseLevel(String scale, double gamma) implements Comparable<NoiseLevel> {
    private static final Comparator<NoiseLevel> ORDER = Comparator.comparing(NoiseLevel::scale).thenComparingDouble(NoiseLevel::gamma);

    static NoiseLevel of(UnitResult u) {
        return new NoiseLevel(u.setting().getOrDefault("scale", "init"), Double.parseDouble(u.setting().get("gamma")));
    }

    public String label() {
        return "γ=" + Format.number(gamma);
    }

    @Override
    public int compareTo(NoiseLevel o) {
        return ORDER.compare(this, o);
    }
}
