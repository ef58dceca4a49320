package dev.overtune.findings;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report's own analysis on 1,000 synthetic scans per cell with a known truth: under every null scenario the
 * false-positive rate, per test and family-wise, is at most α plus twice its Monte-Carlo error; a clear U is found.
 */
class CalibrationTest {
    static final int SCANS = 1000;
    static final double ALPHA = 0.05;
    /** α + 2 √(α(1−α)/N): what an exactly calibrated test stays under in all but about 2.5% of runs. */
    static final double BOUND = ALPHA + 2 * Math.sqrt(ALPHA * (1 - ALPHA) / SCANS);
    static List<Calibration.Cell> cells;

    @BeforeAll
    static void simulate() {
        cells = Calibration.run(SCANS, 1);
    }

    @Test
    void everyNullCellKeepsItsFalsePositiveRateAtAlpha() {
        int nullCells = 0;
        for (Calibration.Cell c : cells) {
            if (!c.scenario().isNull()) {
                continue;
            }
            nullCells++;
            String cell = c.scenario().label() + ", " + c.seeds() + " seeds, " + c.checkpoints() + " checkpoints: ";
            assertTrue(c.inflectionTest().value() <= BOUND, cell + "inflection test " + c.inflectionTest());
            assertTrue(c.trendTest().value() <= BOUND, cell + "trend test " + c.trendTest());
            assertTrue(c.anyShown().value() <= BOUND, cell + "family-wise " + c.anyShown());
            assertEquals(SCANS, c.scans());
        }
        assertEquals(3 * 3 * 3, nullCells, "flat, decreasing and wobbling, at 3 seed counts × 3 checkpoint counts");
    }

    @Test
    void aDecreasingCurveIsNeverAnInflection() {
        cells.stream().filter(c -> c.scenario() == Calibration.Scenario.DECREASING)
                .forEach(c -> assertTrue(c.inflectionTest().value() <= 0.01, c.seeds() + " seeds, " + c.checkpoints() + ": " + c.inflectionTest()));
    }

    @Test
    void threeCheckpointsCanNeverBeSignificant() {
        cells.stream().filter(c -> c.checkpoints() == 3).forEach(c -> {
            assertEquals(0, c.inflectionTest().hits(), "the smallest p with 3 checkpoints is 1/6: " + c);
            assertEquals(0, c.anyShown().hits(), c.toString());
        });
    }

    @Test
    void aClearUWithEightCheckpointsAndFiveSeedsIsFound() {
        // The U rises 0.10 nats (5 seed-sd) from its minimum at 30% of the range to the last checkpoint.
        Calibration.Cell u = cell(Calibration.Scenario.U_SHAPE, 5, 8);
        assertTrue(u.inflectionTest().value() > 0.8, "per-test power " + u.inflectionTest());
        assertTrue(u.inflectionShown().value() > 0.4, "reported after Holm over " + u.tests() + " tests: " + u.inflectionShown());
        assertTrue(u.anyShown().value() > 0.7, "some finding reported: " + u.anyShown());
        Calibration.Cell wobbling = cell(Calibration.Scenario.U_WOBBLE, 5, 8);
        assertTrue(wobbling.inflectionTest().value() > 0.5, "wobble costs power but leaves it well above α: " + wobbling.inflectionTest());
        assertTrue(u.inflectionTest().value() > cell(Calibration.Scenario.U_SHAPE, 5, 5).inflectionTest().value(),
                "more checkpoints, more power");
    }

    @Test
    void theSameSeedGivesTheSameTable() {
        assertEquals(Calibration.table(List.of(Calibration.cell(Calibration.Scenario.WOBBLE, 2, 5, 50, 7))),
                Calibration.table(List.of(Calibration.cell(Calibration.Scenario.WOBBLE, 2, 5, 50, 7))));
    }

    private static Calibration.Cell cell(Calibration.Scenario s, int seeds, int checkpoints) {
        return cells.stream().filter(c -> c.scenario() == s && c.seeds() == seeds && c.checkpoints() == checkpoints).findFirst().orElseThrow();
    }
}
