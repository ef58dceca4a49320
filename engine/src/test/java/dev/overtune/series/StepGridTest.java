package dev.overtune.series;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StepGridTest {
    @Test
    void pythiaScheduleHasA1000StepGridAndNoGapsInItsDenseStart() {
        List<Long> steps = new ArrayList<>(List.of(0L, 1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 512L));
        for (long s = 1000; s <= 143_000; s += 1000) {
            steps.add(s);
        }
        StepGrid grid = StepGrid.infer(steps).orElseThrow();
        assertEquals(1000, grid.interval());
        assertEquals(List.of(), grid.gaps(steps));

        steps.removeAll(List.of(7000L, 8000L, 100_000L));
        List<StepGrid.Gap> gaps = grid.gaps(steps);
        assertEquals(2, gaps.size());
        assertEquals(new StepGrid.Gap(6000, 9000, 2, List.of(7000L, 8000L)), gaps.get(0));
        assertEquals(new StepGrid.Gap(99_000, 101_000, 1, List.of(100_000L)), gaps.get(1));
    }

    @Test
    void aStepFarOffTheGridListsOnlyTheFirstMissing() {
        List<Long> steps = List.of(0L, 10L, 20L, 30L, 1_000_000_000_000L);
        StepGrid.Gap gap = StepGrid.infer(steps).orElseThrow().gaps(steps).getFirst();
        assertEquals(99_999_999_996L, gap.missingCount());
        assertEquals(StepGrid.LISTED, gap.firstMissing().size());
        assertEquals(40L, gap.firstMissing().getFirst());
    }

    @Test
    void noDifferenceRepeatsMeansNoGrid() {
        assertEquals(Optional.empty(), StepGrid.infer(List.of(1L, 2L, 4L, 8L, 16L)));
        assertEquals(Optional.empty(), StepGrid.infer(List.of(5L)));
        assertEquals(Optional.empty(), StepGrid.infer(List.of()));
    }

    @Test
    void tiesGoToTheWiderInterval() {
        assertEquals(20, StepGrid.infer(List.of(0L, 10L, 20L, 40L, 60L)).orElseThrow().interval());
    }
}
