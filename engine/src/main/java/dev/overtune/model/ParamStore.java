package dev.overtune.model;

import dev.overtune.tensor.DType;
import dev.overtune.tensor.HostTensor;
import dev.overtune.tensor.Shape;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One float32 tensor per parameter, all slices of one contiguous off-heap block, so optimizers and
 * norms run over a single flat array while backends see each tensor by name. Used for parameters,
 * their gradients, and optimizer moments alike.
 */
public final class ParamStore {
    private final List<ParamSpec> specs;
    private final HostTensor flat;
    private final Map<String, HostTensor> tensors;

    private ParamStore(List<ParamSpec> specs, HostTensor flat, Map<String, HostTensor> tensors) {
        this.specs = specs;
        this.flat = flat;
        this.tensors = tensors;
    }

    /** Zero-filled storage for these parameters, owned by the arena. */
    public static ParamStore allocate(Arena arena, List<ParamSpec> specs) {
        long total = 0;
        for (ParamSpec p : specs) {
            total += p.shape().size();
        }
        HostTensor flat = HostTensor.allocate(arena, DType.F32, Shape.of(Math.toIntExact(total)));
        flat.segment().fill((byte) 0);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        long offset = 0;
        for (ParamSpec p : specs) {
            long bytes = p.shape().size() * Float.BYTES;
            MemorySegment slice = flat.segment().asSlice(offset, bytes);
            tensors.put(p.name(), new HostTensor(slice, DType.F32, p.shape()));
            offset += bytes;
        }
        return new ParamStore(List.copyOf(specs), flat, Collections.unmodifiableMap(tensors));
    }

    /**
     * These parameters laid out over a flat float32 block someone else owns (one member's row of a member-axis
     * block): a view, written through.
     */
    public static ParamStore over(HostTensor flat, List<ParamSpec> specs) {
        long total = 0;
        for (ParamSpec p : specs) {
            total += p.shape().size();
        }
        if (flat.dtype() != DType.F32 || flat.size() != total) {
            throw new IllegalArgumentException("parameters of " + total + " floats need a float32 block of that size, got " + flat);
        }
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        long offset = 0;
        for (ParamSpec p : specs) {
            long bytes = p.shape().size() * Float.BYTES;
            tensors.put(p.name(), new HostTensor(flat.segment().asSlice(offset, bytes), DType.F32, p.shape()));
            offset += bytes;
        }
        return new ParamStore(List.copyOf(specs), flat, Collections.unmodifiableMap(tensors));
    }

    public List<ParamSpec> specs() {
        return specs;
    }

    public HostTensor tensor(String name) {
        HostTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'");
        }
        return t;
    }

    /** Name to tensor, in spec order. */
    public Map<String, HostTensor> tensors() {
        return tensors;
    }

    /** All parameters as one flat float32 vector. */
    public HostTensor flat() {
        return flat;
    }

    public long size() {
        return flat.size();
    }

    public void copyFrom(ParamStore other) {
        flat.segment().copyFrom(other.flat.segment());
    }

    /** Fills every tensor as its spec says: N(0, std), ones or zeros; deterministic in the seed. */
    public void initialize(long seed) {
        for (ParamSpec p : specs) {
            HostTensor t = tensors.get(p.name());
            // One stream per parameter keyed by its name, so adding a layer does not reshuffle the others.
            SplittableRandom rnd = new SplittableRandom(seed ^ (p.name().hashCode() * 0x9E3779B97F4A7C15L));
            for (long i = 0; i < t.size(); i++) {
                float v = switch (p.init()) {
                    case NORMAL -> (float) (gaussian(rnd) * p.initStd());
                    case ONES -> 1f;
                    case ZEROS -> 0f;
                };
                t.setFloat(i, v);
            }
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box-Muller: SplittableRandom has no nextGaussian of its own before JDK 17's RandomGenerator default.
        double u1 = rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
