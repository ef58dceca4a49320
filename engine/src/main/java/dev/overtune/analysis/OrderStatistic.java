package dev.overtune.analysis;

import java.util.function.ToDoubleFunction;

/**
 * A statistic of a series of per-checkpoint values (in token order) that grows with the evidence for the
 * alternative. One that depends on the values only through their order (no ties) has the same permutation
 * distribution for every series of K checkpoints, which {@link PermutationTest} computes once per K.
 *
 * @param name     a stable name, also the key under which the null distribution is kept
 * @param rankOnly true when only the order of the values matters, so that the null distribution depends on K alone
 */
public record OrderStatistic(String name, ToDoubleFunction<double[]> function, boolean rankOnly) {
    public double of(double[] series) {
        return function.applyAsDouble(series);
    }
}
