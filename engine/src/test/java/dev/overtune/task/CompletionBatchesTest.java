package dev.overtune.task;

import dev.overtune.data.Batch;
import dev.overtune.model.TrainingGraphs;
import dev.overtune.text.ByteTokenizer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompletionBatchesTest {
    private static final ByteTokenizer BYTES = new ByteTokenizer();

    @Test
    void promptTargetsAreIgnoredAndPaddingIsMasked() {
        try (Arena arena = Arena.ofConfined()) {
            Batch batch = Batch.allocate(arena, 1, 8);
            CompletionRow row = CompletionRow.of(BYTES, "ab", "cd");
            CompletionRow.Scored scored = row.write(batch, 0);
            // ids a b c d: inputs a b c, targets (ignored) c d; positions 3.. are padding.
            assertEquals(new CompletionRow.Scored(1, 3), scored);
            long[] expectIds = {'a', 'b', 'c', 0, 0, 0, 0, 0};
            long[] expectTargets = {TrainingGraphs.IGNORE_INDEX, 'c', 'd', -100, -100, -100, -100, -100};
            float[] expectMask = {1, 1, 1, 0, 0, 0, 0, 0};
            for (int t = 0; t < 8; t++) {
                assertEquals(expectIds[t], batch.inputIds().getLong(t), "input " + t);
                assertEquals(expectTargets[t], batch.targets().getLong(t), "target " + t);
                assertEquals(expectMask[t], batch.lossMask().getFloat(t), "mask " + t);
            }
            assertEquals(2, batch.scoredTokens());
        }
    }

    @Test
    void longRowsLoseTheStartOfTheContext() {
        try (Arena arena = Arena.ofConfined()) {
            Batch batch = Batch.allocate(arena, 1, 4);
            CompletionRow row = CompletionRow.of(BYTES, "0123456", "xy");
            CompletionRow.Scored scored = row.write(batch, 0);
            // The last 5 tokens "56xy" + one before: 4 5 6 x y -> inputs 4 5 6 x, targets . . x y.
            assertEquals(new CompletionRow.Scored(2, 4), scored);
            assertEquals('4', batch.inputIds().getLong(0));
            assertEquals('x', batch.targets().getLong(2));
            assertEquals('y', batch.targets().getLong(3));
            assertEquals(TrainingGraphs.IGNORE_INDEX, batch.targets().getLong(1));
        }
    }

    @Test
    void eachEpochVisitsEveryExampleOnceInASeededOrder() {
        List<Candidates> examples = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            examples.add(new Candidates("q" + (char) ('a' + i), List.of("!"), 0));
        }
        CompletionBatches source = CompletionBatches.gold(examples, BYTES, 7);
        try (Arena arena = Arena.ofConfined()) {
            Batch batch = Batch.allocate(arena, 2, 4);
            Set<Long> seen = new HashSet<>();
            List<Long> firstEpoch = new ArrayList<>();
            for (long step = 0; step < 5; step++) {
                source.fill(batch, step);
                for (int b = 0; b < 2; b++) {
                    long id = batch.inputIds().getLong(b * 4L + 1);
                    seen.add(id);
                    firstEpoch.add(id);
                }
            }
            assertEquals(10, seen.size(), "one epoch covers every example");
            // Recomputing a step gives the same batch, whatever was filled in between.
            source.fill(batch, 2);
            assertEquals(firstEpoch.get(4), batch.inputIds().getLong(1));
            List<Long> secondEpoch = new ArrayList<>();
            for (long step = 5; step < 10; step++) {
                source.fill(batch, step);
                secondEpoch.add(batch.inputIds().getLong(1));
                secondEpoch.add(batch.inputIds().getLong(5));
            }
            assertTrue(!secondEpoch.equals(firstEpoch), "a new order each epoch");
            assertEquals(seen, new HashSet<>(secondEpoch));
        }
    }
}
