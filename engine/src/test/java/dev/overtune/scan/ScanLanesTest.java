package dev.overtune.scan;

import dev.overtune.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lanes split a scan's units inside one process and store what one lane on the same threads per unit stores. */
class ScanLanesTest {
    @Test
    void twoLanesStoreWhatOneLaneOfOneThreadStores(@TempDir Path dir) {
        List<ScanCheckpoint> series = TinySeries.make(dir.resolve("series"));
        ScanSettings two = TinySeries.settings(3);
        ScanSettings one = new ScanSettings(two.eval(), two.fineTune(), two.noise(), two.quant(), 1);
        List<String> laneThreads = Collections.synchronizedList(new ArrayList<>());
        List<Integer> finishedCounts = Collections.synchronizedList(new ArrayList<>());
        List<Integer> starts = Collections.synchronizedList(new ArrayList<>());
        ScanListener listener = new ScanListener() {
            @Override
            public void started(int unitsInPlan, int pending) {
                starts.add(pending);
            }

            @Override
            public void unitFinished(UnitResult result, int finished, int pending) {
                laneThreads.add(Thread.currentThread().getName());
                finishedCounts.add(finished);
            }
        };
        Map<String, UnitResult> lanes = results(Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens())
                .settings(two).store(dir.resolve("lanes.db")).lanes(2).listener(listener).run());
        Map<String, UnitResult> single = results(Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens())
                .settings(one).store(dir.resolve("single.db")).lanes(1).run());

        int units = series.size() * (TinySeries.UNITS_PER_CHECKPOINT + 1);
        assertEquals(units, single.size());
        assertEquals(single.keySet(), lanes.keySet(), "the same units, each stored once");
        for (UnitResult a : single.values()) {
            UnitResult b = lanes.get(a.unitId());
            assertTrue(a.done() && b.done(), a.unitId() + ": " + a.reason() + " / " + b.reason());
            // Each lane runs on one thread, as the single lane does: the same arithmetic, so the same bits.
            assertEquals(a.metrics(), b.metrics(), a.unitId());
            assertEquals(a.curve(), b.curve(), a.unitId());
            for (String key : a.samples().keySet()) {
                assertArrayEquals(a.samples(key), b.samples(key), a.unitId() + " " + key);
            }
        }
        Set<String> used = new TreeSet<>(laneThreads);
        assertEquals(Set.of("overtune-scan-lane-0", "overtune-scan-lane-1"), used, "both lanes ran units");
        assertEquals(List.of(units), starts, "the listener hears one start");
        assertEquals(IntStream.rangeClosed(1, units).boxed().toList(), finishedCounts, "finished units counted across the lanes");
    }

    @Test
    void theAutoRuleGivesSmallModelsALanePerThread() {
        assertEquals(2, ScanLanes.count(ScanLanes.AUTO, 2, ModelConfigs.resolve("tiny")));
        assertEquals(2, ScanLanes.count(ScanLanes.AUTO, 2, ModelConfigs.resolve("small")), "4.3M parameters: a lane per thread");
        assertEquals(1, ScanLanes.count(ScanLanes.AUTO, 2, ModelConfigs.resolve("gpt2-124m")), "124M parameters share the threads");
        assertEquals(1, ScanLanes.count(ScanLanes.AUTO, 1, ModelConfigs.resolve("tiny")));
        assertEquals(2, ScanLanes.count(4, 2, ModelConfigs.resolve("gpt2-124m")), "never more lanes than threads");
        assertEquals(1, ScanLanes.count(1, 2, ModelConfigs.resolve("tiny")));
        assertThrows(IllegalArgumentException.class, () -> ScanLanes.count(-1, 2, ModelConfigs.resolve("tiny")));
        assertEquals(List.of(2, 1), List.of(ScanLanes.threadsOf(0, 2, 3), ScanLanes.threadsOf(1, 2, 3)));
    }

    private static Map<String, UnitResult> results(Scan.Outcome outcome) {
        return outcome.results().stream().collect(Collectors.toMap(UnitResult::unitId, Function.identity()));
    }
}
