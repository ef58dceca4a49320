package dev.overtune.probe;

import dev.overtune.backend.Backend;
import dev.overtune.backend.Parameters;

/**
 * Writes perturbed copies of a model's parameters where they live: {@link Perturbations} on the host, or
 * a backend's own kernels on its device. Every implementation writes the same bits: the noise is
 * addressed by (seed, stream, parameter, element), and rounding is elementwise.
 */
public interface Perturber extends AutoCloseable {
    /**
     * out = base + ε, ε sized by the scale and γ; parameters with zero scale are copied unchanged. The
     * {@link NoiseScale#RELATIVE} scale reads {@code base}'s host copy, which must be current (a loaded checkpoint).
     */
    void addNoise(Parameters base, Parameters out, NoiseScale scale, double gamma, long seed, int stream);

    /** out = base with every matrix rounded to nearest on a symmetric integer grid; other tensors copied. */
    void quantize(Parameters base, Parameters out, Quantization q, Perturbations.OutputAxes axes);

    @Override
    void close();

    /** A backend whose parameters live in its own memory and that perturbs them there. */
    interface Source {
        Perturber perturber();
    }

    /** The backend's own perturber where it has one, else {@link Perturbations} on {@code threads} host threads. */
    static Perturber on(Backend backend, int threads) {
        return backend instanceof Source source ? source.perturber() : new Perturbations(threads);
    }
}
