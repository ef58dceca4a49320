package dev.overtune.findings;

import dev.overtune.probe.Probe;
import dev.overtune.probe.Quantization;

import java.util.Comparator;

/** One setting of the quantisation probe; ordered from most to fewest bits, per-channel before grouped. */
public record QuantFormat(int bits, int group) implements Comparable<QuantFormat> {
    private static final Comparator<QuantFormat> ORDER =
            Comparator.comparingInt(QuantFormat::bits).reversed().thenComparingInt(QuantFormat::group);

    static QuantFormat of(Probe.Quant p) {
        return new QuantFormat(p.format().bits(), p.format().groupSize());
    }

    public String label() {
        return new Quantization(bits, group).label();
    }

    @Override
    public int compareTo(QuantFormat o) {
        return ORDER.compare(this, o);
    }
}
