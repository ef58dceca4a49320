package dev.overtune.pretrain;

import dev.overtune.pretrain.SeriesPlan.Leg;
import dev.overtune.pretrain.SeriesPlan.Start;
import dev.overtune.train.AdamW;
import dev.overtune.train.Schedule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Budgets 8K,16K,32K at 8 x 32 = 256 tokens per step are 31, 62 and 125 steps. */
class SeriesPlanTest {
    static final double PEAK = 1e-2;
    static final double FLOOR = 1e-3;
    static final double EPS = 1e-15;

    static PretrainSettings settings(ScheduleKind kind, String budgets, Long warmup) {
        return new PretrainSettings(Budgets.parse(budgets), kind, 8, 32, PEAK, FLOOR, warmup, 0.2, AdamW.Config.defaults(), 1.0, 0);
    }

    static SeriesPlan plan(ScheduleKind kind) {
        return SeriesPlan.of(settings(kind, "8K,16K,32K", 4L));
    }

    @Test
    void stepsPerBudgetAreTokensOverBatchTimesSeq() {
        SeriesPlan p = plan(ScheduleKind.annealed);
        assertEquals(31, p.budgetSteps(0));
        assertEquals(62, p.budgetSteps(1));
        assertEquals(125, p.budgetSteps(2));
    }

    @Test
    void intermediateIsOneCosineOverTheLargestBudgetCheckpointedOnTheWay() {
        SeriesPlan p = plan(ScheduleKind.intermediate);
        List<Leg> legs = p.legs();
        assertEquals(List.of(Start.INIT, Start.CONTINUE, Start.CONTINUE), legs.stream().map(Leg::start).toList());
        assertEquals(List.of(31L, 62L, 125L), legs.stream().map(Leg::endStep).toList());
        assertEquals(List.of(0, 1, 2), legs.stream().map(Leg::budget).toList());
        Schedule s = legs.getFirst().schedule();
        legs.forEach(l -> assertSame(s, l.schedule()));
        assertEquals(PEAK / 4, s.at(0), EPS);
        assertEquals(PEAK, s.at(3), EPS);
        assertEquals(PEAK, s.at(4), EPS);
        // Cosine over steps 4..125: a third of the way at step 4 + 121/3.
        double third = 4 + 121.0 / 3;
        assertEquals(FLOOR + 0.5 * (PEAK - FLOOR) * (1 + Math.cos(Math.PI / 3)), interpolate(s, third), 2e-4);
        assertTrue(s.at(31) > 0.85 * PEAK, "the first checkpoint is taken at a high rate: " + s.at(31));
        assertEquals(FLOOR, s.at(125), EPS);
        assertEquals(125, p.totalSteps());
    }

    @Test
    void annealedRestartsFromInitWithItsOwnCosinePerBudget() {
        SeriesPlan p = plan(ScheduleKind.annealed);
        for (int b = 0; b < 3; b++) {
            Leg leg = p.legs().get(b);
            assertEquals(Start.INIT, leg.start());
            assertEquals(0, leg.startStep());
            assertEquals(p.budgetSteps(b), leg.endStep());
            assertEquals(b, leg.budget());
            Schedule s = leg.schedule();
            assertEquals(PEAK / 4, s.at(0), EPS, "every run warms up the same way");
            assertEquals(PEAK, s.at(3), EPS);
            assertTrue(s.at(leg.endStep() - 1) < FLOOR + 0.01 * (PEAK - FLOOR), "run " + b + " ends annealed: " + s.at(leg.endStep() - 1));
            assertEquals(FLOOR, s.at(leg.endStep()), EPS);
        }
        // At step 30 the 8K run is nearly done decaying while the 32K run is still near its peak.
        assertTrue(p.legs().get(0).schedule().at(30) < 2 * FLOOR);
        assertTrue(p.legs().get(2).schedule().at(30) > 0.9 * PEAK);
        assertEquals(31 + 62 + 125, p.totalSteps());
    }

    @Test
    void wsdBranchesOffOneStableTrunkAndDecaysToTheFloorAtEachBudget() {
        SeriesPlan p = plan(ScheduleKind.wsd);
        List<Leg> legs = p.legs();
        // Decay lengths round(0.2 * steps): 6, 12, 25; so the trunk is branched at 25, 50 and 100.
        assertEquals(List.of(Start.INIT, Start.CONTINUE, Start.TRUNK, Start.CONTINUE, Start.TRUNK, Start.CONTINUE),
                legs.stream().map(Leg::start).toList());
        assertEquals(List.of(0L, 25L, 25L, 50L, 50L, 100L), legs.stream().map(Leg::startStep).toList());
        assertEquals(List.of(25L, 31L, 50L, 62L, 100L, 125L), legs.stream().map(Leg::endStep).toList());
        assertEquals(List.of(-1, 0, -1, 1, -1, 2), legs.stream().map(Leg::budget).toList());
        assertEquals(List.of(true, false, true, false, false, false), legs.stream().map(Leg::savesTrunk).toList());
        for (Leg leg : legs) {
            Schedule s = leg.schedule();
            if (leg.endsInCheckpoint()) {
                assertEquals(FLOOR, s.at(leg.endStep() - 1), EPS, leg.label() + " ends on the floor");
                assertTrue(s.at(leg.startStep()) < PEAK && s.at(leg.startStep()) > s.at(leg.startStep() + 1), leg.label() + " decays from its first step");
            } else {
                for (long step = Math.max(4, leg.startStep()); step < leg.endStep(); step++) {
                    assertEquals(PEAK, s.at(step), EPS, leg.label() + " stays at the peak, step " + step);
                }
            }
            assertEquals(PEAK / 4, s.at(0), EPS);
        }
        assertEquals(100 + 6 + 12 + 25, p.totalSteps(), "trunk to the last branch point plus every decay");
    }

    @Test
    void defaultWarmupIsATenthOfTheSmallestBudget() {
        for (ScheduleKind kind : ScheduleKind.values()) {
            assertEquals(3, SeriesPlan.of(settings(kind, "8K,16K,32K", null)).warmupSteps(), kind.name());
        }
    }

    @Test
    void refusesWarmupThatDoesNotFit() {
        IllegalArgumentException wsd = assertThrows(IllegalArgumentException.class,
                () -> SeriesPlan.of(settings(ScheduleKind.wsd, "8K,16K", 26L)));
        assertTrue(wsd.getMessage().contains("--warmup 26") && wsd.getMessage().contains("step 25"), wsd.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SeriesPlan.of(settings(ScheduleKind.annealed, "8K,16K", 32L)));
        SeriesPlan.of(settings(ScheduleKind.intermediate, "8K,16K", 32L)); // only the largest budget bounds it
    }

    @Test
    void refusesBudgetsThatDoNotMakeDistinctSteps() {
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
                () -> SeriesPlan.of(settings(ScheduleKind.annealed, "8K,8.1K", null)));
        assertTrue(same.getMessage().contains("both come to 31 steps"), same.getMessage());
        IllegalArgumentException tiny = assertThrows(IllegalArgumentException.class,
                () -> SeriesPlan.of(settings(ScheduleKind.annealed, "100,8K", null)));
        assertTrue(tiny.getMessage().contains("less than one step"), tiny.getMessage());
    }

    private static double interpolate(Schedule s, double step) {
        long lo = (long) Math.floor(step);
        double f = step - lo;
        return (1 - f) * s.at(lo) + f * s.at(lo + 1);
    }
}
