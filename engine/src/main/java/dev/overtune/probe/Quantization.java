package dev.overtune.probe;

import dev.overtune.tensor.HostTensor;

/**
 * Round-to-nearest post-training quantisation onto a symmetric grid of {@code bits} bits
 * (levels −(2^(b−1)−1) … 2^(b−1)−1), with one scale per output channel ({@code groupSize == 0}) or per
 * group of {@code groupSize} consecutive weights of an output channel. The weights are written back
 * dequantised, which is what evaluating a quantised model computes.
 */
public record Quantization(int bits, int groupSize) {
    public Quantization {
        if (bits < 2 || bits > 16) {
            throw new IllegalArgumentException("quantisation bits must be 2..16, got " + bits);
        }
        if (groupSize < 0) {
            throw new IllegalArgumentException("group size must be 0 (per channel) or positive, got " + groupSize);
        }
    }

    private static final java.util.regex.Pattern FORMAT = java.util.regex.Pattern.compile("int(\\d+)(?:-g(\\d+))?");

    /**
     * A format as written on the command line: {@code intB} (one scale per output channel) or {@code intB-gG} (groups
     * of G). What it refuses names the text: {@code 'int3x': use intB ...}.
     */
    public static Quantization parse(String s) {
        var m = FORMAT.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "': use intB (per channel) or intB-gG (groups of G), e.g. int8,int4-g32");
        }
        int bits;
        int group;
        try {
            bits = Integer.parseInt(m.group(1));
            group = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "': the numbers are too large; use intB (per channel) or intB-gG (groups of G)");
        }
        if (m.group(2) != null && group < 1) {
            throw new IllegalArgumentException("'" + s + "': a group size must be positive (for per-channel quantisation write int" + bits + ")");
        }
        if (bits < 2 || bits > 16) {
            throw new IllegalArgumentException("'" + s + "': bits must be 2..16, e.g. int8, int4-g32");
        }
        return new Quantization(bits, group);
    }

    public String label() {
        return "int" + bits + (groupSize == 0 ? "-channel" : "-g" + groupSize);
    }

    @Override
    public String toString() {
        return label();
    }

    /** Quantises a [rows, cols] matrix whose output channels lie along outputAxis (0: rows, 1: columns). */
    public void apply(HostTensor src, HostTensor dst, int outputAxis) {
        int rows = src.shape().dim(0);
        int cols = src.shape().dim(1);
        int channels = outputAxis == 0 ? rows : cols;
        int length = outputAxis == 0 ? cols : rows;
        int group = groupSize == 0 ? length : Math.min(groupSize, length);
        double levels = (1 << (bits - 1)) - 1;
        for (int c = 0; c < channels; c++) {
            for (int start = 0; start < length; start += group) {
                int end = Math.min(length, start + group);
                double max = 0;
                for (int k = start; k < end; k++) {
                    max = Math.max(max, Math.abs(src.getFloat(index(c, k, outputAxis, cols))));
                }
                double scale = max / levels;
                for (int k = start; k < end; k++) {
                    long i = index(c, k, outputAxis, cols);
                    double v = src.getFloat(i);
                    dst.setFloat(i, scale == 0 ? 0f : (float) (Math.max(-levels, Math.min(levels, Math.rint(v / scale))) * scale));
                }
            }
        }
    }

    private static long index(int channel, int k, int outputAxis, int cols) {
        return outputAxis == 0 ? (long) channel * cols + k : (long) k * cols + channel;
    }
}
