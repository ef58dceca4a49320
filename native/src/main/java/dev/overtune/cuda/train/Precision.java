package dev.overtune.cuda.train;

/**
 * What the forward and backward read the parameters as. AdamW always updates the FP32 masters;
 * gradients are FP32 either way.
 */
public enum Precision {
    /** The graph reads the FP32 parameters themselves. */
    FP32,
    /**
     * The graph reads BF16 copies of the parameters, converted (round to nearest even) after every
     * update; AdamW updates the FP32 masters. Halves the parameter traffic of the GEMMs.
     */
    BF16_COMPUTE
}
