package dev.overtune.scan;

import dev.overtune.probe.Probe;
import dev.overtune.probe.ProbeKind;

import java.util.SortedMap;

/** A planned or measured unit: its probe, and the stored form (kind, setting, seed) read from it. */
public interface ProbedUnit {
    Probe probe();

    default ProbeKind kind() {
        return probe().kind();
    }

    /** The probe's setting as stored (see {@link Probe#fields()}). */
    default SortedMap<String, String> setting() {
        return probe().fields();
    }

    default long seed() {
        return probe().seed();
    }
}
