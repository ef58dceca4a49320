package dev.overtune.analysis;

import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The orderings of K checkpoints a permutation test compares the observed one with: all K! of them up to
 * {@link #EXACT_UP_TO} checkpoints (8! = 40,320), else {@link #RANDOM} drawn with a fixed seed so that the
 * same values always get the same p. Built once per K and shared, since a calibration asks for them
 * thousands of times.
 */
public final class Orderings {
    public static final int EXACT_UP_TO = 8;
    public static final int RANDOM = 20_000;
    private static final long SEED = 20261205L;
    private static final ConcurrentMap<Integer, Orderings> CACHE = new ConcurrentHashMap<>();

    private final int k;
    private final int[][] orders;
    private final boolean exact;

    private Orderings(int k, int[][] orders, boolean exact) {
        this.k = k;
        this.orders = orders;
        this.exact = exact;
    }

    public static Orderings of(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("orderings need at least one checkpoint, got " + k);
        }
        return CACHE.computeIfAbsent(k, n -> n <= EXACT_UP_TO ? new Orderings(n, all(n), true) : new Orderings(n, random(n), false));
    }

    public int checkpoints() {
        return k;
    }

    /** Whether these are all K! orderings (the p-value is exact) or a random sample of them. */
    public boolean exact() {
        return exact;
    }

    public int size() {
        return orders.length;
    }

    /** The i-th ordering: position c of the permuted series holds value order[c] of the observed one. */
    int[] get(int i) {
        return orders[i];
    }

    /** Every ordering of 0..n-1, in lexicographic order (the identity first). */
    private static int[][] all(int n) {
        int count = 1;
        for (int i = 2; i <= n; i++) {
            count *= i;
        }
        int[][] out = new int[count][];
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int idx = 0; idx < count; idx++) {
            out[idx] = a.clone();
            nextPermutation(a);
        }
        return out;
    }

    private static void nextPermutation(int[] a) {
        int i = a.length - 2;
        while (i >= 0 && a[i] >= a[i + 1]) {
            i--;
        }
        if (i < 0) {
            return;
        }
        int j = a.length - 1;
        while (a[j] <= a[i]) {
            j--;
        }
        swap(a, i, j);
        for (int l = i + 1, r = a.length - 1; l < r; l++, r--) {
            swap(a, l, r);
        }
    }

    /** The identity first (the observed ordering always counts), then Fisher–Yates shuffles. */
    private static int[][] random(int n) {
        Random rng = new Random(SEED + n);
        int[][] out = new int[RANDOM + 1][];
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        out[0] = a.clone();
        for (int idx = 1; idx <= RANDOM; idx++) {
            for (int j = n - 1; j > 0; j--) {
                swap(a, j, rng.nextInt(j + 1));
            }
            out[idx] = a.clone();
        }
        return out;
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
