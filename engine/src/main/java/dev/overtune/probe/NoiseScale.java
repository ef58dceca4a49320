package dev.overtune.probe;

import java.util.Locale;

/**
 * How the noise on each parameter tensor is sized. The paper's probe (§3.3) is {@link #INIT}:
 * ε ~ N(0, γ²Σ) with Σ the initialisation variance of that parameter, so constant-initialised
 * parameters (norm gains, biases) get none.
 */
public enum NoiseScale {
    /** σ = γ · init std of the parameter. */
    INIT,
    /** σ = γ, the same for every parameter. */
    ABSOLUTE,
    /** σ = γ · rms(θ) of the tensor, so that ‖ε‖ ≈ γ‖θ‖. */
    RELATIVE;

    public static NoiseScale parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown noise scale '" + s + "'; use init, absolute or relative");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
