package dev.overtune.cuda.exec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Byte offsets in one block for buffers with known lifetimes (in steps of the plan): greedy first
 * fit in order of first use, every buffer 256-byte aligned, two buffers sharing bytes only when
 * their lifetimes are disjoint. {@code bytes} is the block's size; {@code unsharedBytes} what one
 * buffer each would take; {@code offsets[i]} is where {@code lifetimes.get(i)} lives.
 */
public record MemoryPlan(List<Lifetime> lifetimes, long[] offsets, long bytes, long unsharedBytes) {
    public MemoryPlan {
        lifetimes = List.copyOf(lifetimes);
    }

    public static final long ALIGNMENT = 256;

    public static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    public static MemoryPlan of(List<Lifetime> lifetimes) {
        int n = lifetimes.size();
        long[] offsets = new long[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.<Integer>comparingInt(i -> lifetimes.get(i).first()).thenComparingInt(i -> i));
        List<Integer> placed = new ArrayList<>();
        long total = 0;
        long unshared = 0;
        for (int i : order) {
            Lifetime l = lifetimes.get(i);
            long size = align(l.bytes());
            unshared += size;
            List<Integer> conflicts = new ArrayList<>();
            for (int p : placed) {
                if (lifetimes.get(p).overlaps(l) && lifetimes.get(p).bytes() > 0) {
                    conflicts.add(p);
                }
            }
            conflicts.sort(Comparator.comparingLong(p -> offsets[p]));
            long candidate = 0;
            for (int p : conflicts) {
                if (candidate + size <= offsets[p]) {
                    break;
                }
                candidate = Math.max(candidate, offsets[p] + align(lifetimes.get(p).bytes()));
            }
            offsets[i] = candidate;
            placed.add(i);
            total = Math.max(total, candidate + size);
        }
        return new MemoryPlan(lifetimes, offsets, total, unshared);
    }
}
