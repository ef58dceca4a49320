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
