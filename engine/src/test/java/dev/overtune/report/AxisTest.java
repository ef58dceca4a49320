package dev.overtune.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AxisTest {
    @Test
    void logAxisOverDecadesTicksPowersOfTen() {
        Axis a = Axis.log(1e6, 1.28e8);
        assertEquals(List.of(1e6, 1e7, 1e8), a.ticks());
        assertTrue(a.minorTicks().contains(2e7), "minor ticks between decades");
        assertTrue(a.fraction(1e6) > 0 && a.fraction(1.28e8) < 1, "the data sits inside the padded range");
        assertEquals(a.fraction(1e7) - a.fraction(1e6), a.fraction(1e8) - a.fraction(1e7), 1e-12, "decades are equally wide");
    }

    @Test
    void shortLogAxisStillGetsLabelledTicks() {
        assertEquals(List.of(500.0, 1000.0, 2000.0), Axis.log(512, 3072).ticks());
        assertTrue(Axis.log(1000, 1300).ticks().size() >= 2, Axis.log(1000, 1300).ticks().toString());
    }

    @Test
    void manyDecadesAreThinnedOut() {
        List<Double> ticks = Axis.log(1e3, 1e15).ticks();
        assertTrue(ticks.size() >= 3 && ticks.size() <= 9, ticks.toString());
    }

    @Test
    void linearAxisTicksRoundNumbersAndSaysHowManyDecimals() {
        Axis a = Axis.linear(2.61, 3.14);
        assertEquals(List.of(2.6, 2.7, 2.8, 2.9, 3.0, 3.1), a.ticks().stream().map(t -> Math.round(t * 1e9) / 1e9).toList());
        assertEquals(1, a.decimals());
        assertEquals(3, Axis.linear(-0.009, 0.001).decimals(), Axis.linear(-0.009, 0.001).ticks().toString());
        assertEquals(2, Axis.linear(0, 1.1).decimals(), "steps of 0.25 need two decimals");
        assertTrue(Axis.linear(5, 5).ticks().size() >= 2, "a flat line still gets an axis");
    }
}
