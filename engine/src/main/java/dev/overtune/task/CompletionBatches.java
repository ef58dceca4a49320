package dev.overtune.task;

import dev.overtune.data.Batch;
import dev.overtune.data.BatchSource;
import dev.overtune.text.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training batches of whole examples, one a row: the examples are visited in a fresh shuffled
 * order each epoch, the order drawn from (seed, epoch) alone, so any step's batch can be recomputed
 * (which a resumed run relies on).
 */
public final class CompletionBatches implements BatchSource {
    private final List<CompletionRow> rows;
    private final long seed;
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    public CompletionBatches(List<CompletionRow> rows, long seed) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no examples to make batches of");
        }
        this.rows = List.copyOf(rows);
        this.seed = seed;
    }

    /** Each example's context with its right continuation. */
    public static CompletionBatches gold(List<Candidates> examples, Tokenizer tokenizer, long seed) {
        List<CompletionRow> rows = new ArrayList<>(examples.size());
        for (Candidates c : examples) {
            rows.add(CompletionRow.of(tokenizer, c.context(), c.goldContinuation()));
        }
        return new CompletionBatches(rows, seed);
    }

    public int size() {
        return rows.size();
    }

    @Override
    public void fill(Batch batch, long step) {
        int n = rows.size();
        for (int b = 0; b < batch.batchSize(); b++) {
            long index = step * batch.batchSize() + b;
            int[] order = order(index / n);
            rows.get(order[(int) (index % n)]).write(batch, b);
        }
    }

    /** The examples in file order, for evaluation: batch i holds rows i*B .. i*B+B-1; rows past the end score nothing. */
    public BatchSource sequential() {
        return (batch, index) -> {
            for (int b = 0; b < batch.batchSize(); b++) {
                long i = index * batch.batchSize() + b;
                if (i < rows.size()) {
                    rows.get((int) i).write(batch, b);
                } else {
                    CompletionRow.writeEmpty(batch, b);
                }
            }
        };
    }

    public long sequentialBatches(int batchSize) {
        return (rows.size() + batchSize - 1) / batchSize;
    }

    private int[] order(long epoch) {
        if (epoch != cachedEpoch) {
            int[] order = new int[rows.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            cachedOrder = order;
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }
}
