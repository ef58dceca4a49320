package dev.overtune.analysis;

/**
 * A statistic of a series of per-checkpoint values (in token order) that grows with the evidence for the
 * alternative. One that depends on the values only through their order (no ties) has the same permutation
 * distribution for every series of K checkpoints, which {@link PermutationTest} computes once per K.
 */
public interface OrderStatistic {
    /** A stable name, also the key under which the null distribution is kept. */
    String name();

    double of(double[] series);

    /** True when only the order of the values matters, so that the null distribution depends on K alone. */
    boolean rankOnly();
}
