package dev.overtune.probe;

import java.util.Locale;

/** The measurements a scan makes on each checkpoint. */
public enum ProbeKind {
    /** The unmodified checkpoint: ID and OOD loss (and accuracy where the task has labels). */
    BASE,
    /** Fine-tune with one learning rate and seed, then ID and OOD. */
    FINETUNE,
    /** Add Gaussian noise of one scale (one sample), then OOD. */
    NOISE,
    /** Round the weights to a few bits, then ID and OOD. */
    QUANT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ProbeKind parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown probe '" + s + "'; use base, finetune, noise or quant");
        }
    }
}
