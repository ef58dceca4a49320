package dev.overtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static dev.overtune.cli.MainTest.assertOneLineError;
import static dev.overtune.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrateCommandTest {
    @Test
    void printsEveryCellOfTheTable() {
        MainTest.Run r = run("calibrate", "--scans", "20", "--seed", "3");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("20 synthetic scans per cell (--seed 3)"), r.out());
        long rows = r.out().lines().filter(l -> l.matches("^(flat|decreasing|flat \\+ wobble|U-shaped|U \\+ wobble)\\s+\\d.*")).count();
        assertEquals(5 * 3 * 3, rows, r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("flat ") && l.contains(" 3 ") && l.contains("0.000 ± 0.000")), r.out());
    }

    @Test
    void jsonHasARatePerCell() throws Exception {
        MainTest.Run r = run("calibrate", "--scans", "10", "--format", "json");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(10, root.get("scans").asInt());
        assertEquals(45, root.get("cells").size());
        JsonNode first = root.get("cells").get(0);
        assertEquals("flat", first.get("scenario").asText());
        assertTrue(first.get("null").asBoolean());
        double rate = first.get("any_finding_reported").get("rate").asDouble();
        assertTrue(rate >= 0 && rate <= 1, first.toString());
    }

    @Test
    void noScansIsAWrongFlag() {
        assertOneLineError(run("calibrate", "--scans", "0"), ExitCodes.USAGE, "--scans must be at least 1, got 0");
    }
}
