package dev.overtune.bench.peers;

import dev.overtune.bench.MatMulPeak;

import java.util.Locale;

/**
 * What a worker is asked to repeat {@code count} times, by its protocol word, and the figure a table
 * row shows for it. Every job but {@link #PEAK} is a row; PEAK runs after each round of every row.
 */
public enum Job {
    /** Forward, backward, global-norm clip, AdamW on the fixed batch. */
    TRAIN("training step", Unit.TOKENS_PER_S),
    /** Forward only through the eval graph: loss, per-token log-likelihoods, logits. */
    EVAL("evaluation", Unit.TOKENS_PER_S),
    /** Parameters = base + Gaussian noise scaled by each tensor's init std, then one eval batch. */
    NOISE("noise probe", Unit.SAMPLES_PER_S),
    /** Parameters = int8 per-output-channel round-to-nearest of every matrix of base, then one eval batch. */
    QUANT("quantisation probe", Unit.SAMPLES_PER_S),
    /** The checkpoint's safetensors read into the parameters. */
    LOAD("checkpoint load", Unit.MS_PER_LOAD),
    /** One checkpoint's whole scan protocol ({@link ScanProtocol}): fine-tunes, noise draws, quantisations, all evaluated. */
    SCAN("scan protocol", Unit.UNITS_PER_S),
    /** One 1024³ float32 matmul: the machine's achievable rate, on each side's own kernel. */
    PEAK("matmul 1024³", Unit.GFLOP_PER_S);

    /** How a row's figure is computed from {@code count} repetitions taking {@code seconds}. */
    public enum Unit {
        TOKENS_PER_S("tokens/s", true),
        SAMPLES_PER_S("samples/s", true),
        /** Scan units (one measurement each: a fine-tune, a noise draw, ...) per second; tokensPerBatch holds the units per call. */
        UNITS_PER_S("units/s", true),
        MS_PER_LOAD("ms/load", false),
        GFLOP_PER_S("GFLOP/s", true);

        private final String label;
        private final boolean higherIsFaster;

        Unit(String label, boolean higherIsFaster) {
            this.label = label;
            this.higherIsFaster = higherIsFaster;
        }

        public String label() {
            return label;
        }

        public boolean higherIsFaster() {
            return higherIsFaster;
        }
    }

    private final String label;
    private final Unit unit;

    Job(String label, Unit unit) {
        this.label = label;
        this.unit = unit;
    }

    /** The word the line protocol uses: train, eval, noise, quant, load, peak. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String label() {
        return label;
    }

    public Unit unit() {
        return unit;
    }

    public static Job ofWord(String word) {
        for (Job j : values()) {
            if (j.word().equals(word)) {
                return j;
            }
        }
        throw new IllegalArgumentException("unknown job '" + word + "'");
    }

    /** The row's figure for one call: {@code count} repetitions in {@code seconds}, batches of {@code tokensPerBatch}. */
    public double figure(int count, double seconds, int tokensPerBatch) {
        return switch (unit) {
            case TOKENS_PER_S -> (double) count * tokensPerBatch / seconds;
            case SAMPLES_PER_S -> count / seconds;
            case UNITS_PER_S -> (double) count * tokensPerBatch / seconds;
            case MS_PER_LOAD -> 1e3 * seconds / count;
            case GFLOP_PER_S -> count * (double) MatMulPeak.FLOPS / seconds / 1e9;
        };
    }
}
