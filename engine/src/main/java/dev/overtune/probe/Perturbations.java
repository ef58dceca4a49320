package dev.overtune.probe;

import dev.overtune.backend.Parameters;
import dev.overtune.model.ParamSpec;
import dev.overtune.model.ParamStore;
import dev.overtune.tensor.HostTensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Writes modified copies of a model's parameters: base + Gaussian noise, or base rounded to a few
 * bits. The work is split into chunks run in parallel; every element's value depends only on its
 * address, so the result is the same for any thread count. Stores it touches must live in shared
 * arenas ({@code Arena.ofShared()}), since pool threads write them.
 */
public final class Perturbations implements Perturber {
    private static final int CHUNK = 1 << 14;

    private final ForkJoinPool pool;

    public Perturbations(int threads) {
        this.pool = new ForkJoinPool(threads);
    }

    /** The host stores of both sets: on the host they are where the parameters live. */
    @Override
    public void addNoise(Parameters base, Parameters out, NoiseScale scale, double gamma, long seed, int stream) {
        addNoise(base.host(), out.host(), scale, gamma, seed, stream);
    }

    @Override
    public void quantize(Parameters base, Parameters out, Quantization q, OutputAxes axes) {
        quantize(base.host(), out.host(), q, axes);
    }

    /** out = base + ε, ε sized by the scale and γ; parameters with zero scale are copied unchanged. */
    public void addNoise(ParamStore base, ParamStore out, NoiseScale scale, double gamma, long seed, int stream) {
        GaussianNoise noise = new GaussianNoise(seed, stream);
        List<ParamSpec> specs = base.specs();
        List<Chunk> chunks = new ArrayList<>();
        for (int p = 0; p < specs.size(); p++) {
            ParamSpec spec = specs.get(p);
            HostTensor src = base.tensor(spec.name());
            double sigma = sigma(spec, src, scale, gamma);
            for (long from = 0; from < src.size(); from += CHUNK) {
                chunks.add(new Chunk(p, spec.name(), from, Math.min(CHUNK, src.size() - from), sigma));
            }
        }
        parallel(chunks.size(), i -> {
            Chunk c = chunks.get(i);
            HostTensor src = base.tensor(c.name);
            HostTensor dst = out.tensor(c.name);
            if (c.sigma == 0) {
                for (long k = 0; k < c.length; k++) {
                    dst.setFloat(c.from + k, src.getFloat(c.from + k));
                }
                return;
            }
            noise.addScaled(c.parameter, src, dst, c.from, c.length, c.sigma);
        });
    }

    /** out = base with every matrix rounded to nearest on a symmetric integer grid; other tensors copied. */
    public void quantize(ParamStore base, ParamStore out, Quantization q, OutputAxes axes) {
        List<ParamSpec> specs = base.specs();
        parallel(specs.size(), p -> {
            ParamSpec spec = specs.get(p);
            HostTensor src = base.tensor(spec.name());
            HostTensor dst = out.tensor(spec.name());
            if (spec.shape().rank() == 2) {
                q.apply(src, dst, axes.outputAxis(spec));
            } else {
                dst.copyFrom(src);
            }
        });
    }

    @Override
    public void close() {
        pool.shutdown();
    }

    private record Chunk(int parameter, String name, long from, long length, double sigma) {}

    private void parallel(int count, java.util.function.IntConsumer work) {
        try {
            pool.submit(() -> IntStream.range(0, count).parallel().forEach(work)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while perturbing parameters", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /** The standard deviation of parameter {@code spec}'s noise, whose base values are {@code base}; a device perturber uses it too. */
    public static double sigma(ParamSpec spec, HostTensor base, NoiseScale scale, double gamma) {
        return switch (scale) {
            case INIT -> gamma * spec.initStd();
            case ABSOLUTE -> gamma;
            case RELATIVE -> gamma * rms(base);
        };
    }

    static double rms(HostTensor t) {
        double sum = 0;
        for (long i = 0; i < t.size(); i++) {
            double v = t.getFloat(i);
            sum += v * v;
        }
        return t.size() == 0 ? 0 : Math.sqrt(sum / t.size());
    }

    /** Which axis of a matrix holds its output channels, as the model lays its weights out. */
    @FunctionalInterface
    public interface OutputAxes {
        int outputAxis(ParamSpec matrix);
    }
}
