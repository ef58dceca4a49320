package dev.overtune.probe;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One probe of a checkpoint with its setting: what a scan does to the parameters before it measures them.
 * A probe owns its stored form ({@link #fields()} and {@link #seed()}, which make up a unit's id and its row
 * in a store, exactly as they were before this type existed), its run ({@link #prepare}), and which metrics
 * its unit measures. The stored form is read back only by {@link #of}; nothing else parses a setting.
 */
public sealed interface Probe {
    ProbeKind kind();

    /** The setting as stored, keys sorted: e.g. {@code {gamma=1.0, scale=init}}. */
    SortedMap<String, String> fields();

    /** The seed stored with the unit: the fine-tune's data order, the noise sample's draw; 0 where none. */
    default long seed() {
        return 0;
    }

    /** Whether the unit scores the task's splits as well as the held-out text (noise measures the held-out text alone). */
    default boolean measuresTask() {
        return true;
    }

    /** The metrics a finished unit of this probe holds, besides the task's accuracies. */
    default List<String> metrics() {
        return measuresTask() ? List.of(MetricKeys.ID_VAL_LOSS, MetricKeys.ID_TEST_LOSS, MetricKeys.OOD_LOSS)
                : List.of(MetricKeys.OOD_LOSS);
    }

    /**
     * Writes the probed parameters into the bench's work store from its base store; returns the training-loss
     * curve (empty for probes that do not train).
     */
    List<Double> prepare(ProbeBench bench);

    /** The setting in words as stored: {@code gamma=1.0 scale=init}; empty for the base probe. */
    default String settingLabel() {
        StringBuilder b = new StringBuilder();
        fields().forEach((k, v) -> b.append(b.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }

    /** The setting and, where the probe draws one, its seed: {@code lr=0.003 seed=2}. */
    default String describe() {
        return settingLabel();
    }

    /** The unmodified checkpoint. */
    record Base() implements Probe {
        public ProbeKind kind() {
            return ProbeKind.BASE;
        }

        public SortedMap<String, String> fields() {
            return Collections.emptySortedMap();
        }

        public List<Double> prepare(ProbeBench bench) {
            bench.work().copyFrom(bench.base());
            return List.of();
        }
    }

    /** Fine-tuning at one learning rate with one data-order seed, under the scan's fine-tune protocol. */
    record FineTune(double lr, long seed) implements Probe {
        public FineTune {
            if (!(lr > 0)) {
                throw new IllegalArgumentException("fine-tune learning rates must be positive, got " + lr);
            }
        }

        public ProbeKind kind() {
            return ProbeKind.FINETUNE;
        }

        public SortedMap<String, String> fields() {
            return sorted(Map.of("lr", Double.toString(lr)));
        }

        @Override
        public List<String> metrics() {
            return List.of(MetricKeys.ID_VAL_LOSS, MetricKeys.ID_TEST_LOSS, MetricKeys.OOD_LOSS, MetricKeys.TRAIN_LOSS_LAST);
        }

        @Override
        public String describe() {
            return settingLabel() + " seed=" + seed;
        }

        public List<Double> prepare(ProbeBench bench) {
            return bench.fineTune(lr, seed);
        }
    }

    /** Gaussian noise of γ times the scale, one sample, drawn from {@code seed}. */
    record Noise(NoiseScale scale, double gamma, long seed) implements Probe {
        public Noise {
            if (!(gamma > 0)) {
                throw new IllegalArgumentException("noise scales must be positive, got " + gamma);
            }
        }

        public ProbeKind kind() {
            return ProbeKind.NOISE;
        }

        public SortedMap<String, String> fields() {
            return sorted(Map.of("scale", scale.label(), "gamma", Double.toString(gamma)));
        }

        @Override
        public boolean measuresTask() {
            return false;
        }

        @Override
        public String describe() {
            return settingLabel() + " seed=" + seed;
        }

        public List<Double> prepare(ProbeBench bench) {
            // The stream keys each (γ, sample) apart; the seed is the sample's own.
            bench.perturber().addNoise(bench.base(), bench.work(), scale, gamma, seed, Double.hashCode(gamma));
            return List.of();
        }
    }

    /** Round-to-nearest quantisation of every matrix in one format. */
    record Quant(Quantization format) implements Probe {
        public ProbeKind kind() {
            return ProbeKind.QUANT;
        }

        public SortedMap<String, String> fields() {
            return sorted(Map.of("bits", Integer.toString(format.bits()), "group", Integer.toString(format.groupSize())));
        }

        public List<Double> prepare(ProbeBench bench) {
            bench.perturber().quantize(bench.base(), bench.work(), format, bench.outputAxes());
            return List.of();
        }
    }

    /**
     * The probe a stored unit describes. Stores written before a setting gained a key hold it without it:
     * noise without {@code scale} was drawn at the init scale, quantisation without {@code group} per channel.
     */
    static Probe of(ProbeKind kind, Map<String, String> fields, long seed) {
        return switch (kind) {
            case BASE -> new Base();
            case FINETUNE -> new FineTune(Double.parseDouble(field(fields, "lr", kind)), seed);
            case NOISE -> new Noise(NoiseScale.parse(fields.getOrDefault("scale", NoiseScale.INIT.label())),
                    Double.parseDouble(field(fields, "gamma", kind)), seed);
            case QUANT -> new Quant(new Quantization(Integer.parseInt(field(fields, "bits", kind)),
                    Integer.parseInt(fields.getOrDefault("group", "0"))));
        };
    }

    private static String field(Map<String, String> fields, String key, ProbeKind kind) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalArgumentException("a stored " + kind.label() + " unit has no '" + key + "' in its setting " + fields);
        }
        return v;
    }

    private static SortedMap<String, String> sorted(Map<String, String> m) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(m));
    }
}
