package dev.overtune.scan;

import dev.overtune.probe.NoiseScale;
import dev.overtune.probe.Probe;
import dev.overtune.probe.Quantization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store as overtune wrote it before probes were a typed setting: the probe a label, the setting a JSON object of
 * strings, the seed a column, and the unit id the hash of those. Every literal below (ids, plan hash, setting text) is
 * what the code before the change produced for {@link StoreFixtures#plan()}; none is computed by the code under test.
 */
class StoreBeforeTypedProbesTest {
    private static final String PLAN_HASH = "e43d76b8ec7267a8";
    /** id, checkpoint, tokens, probe, setting, seed. */
    private static final String[][] ROWS = {
            {"289bcb8de1fbdcd0b281", "tokens-1M", "1000000", "base", "{}", "0"},
            {"74dea1ff556d6c116c04", "tokens-1M", "1000000", "finetune", "{\"lr\":\"0.003\"}", "1"},
            {"445abbba8dedc7cd3ed8", "tokens-1M", "1000000", "noise", "{\"gamma\":\"1.0\",\"scale\":\"init\"}", "1001"},
            {"9d35571f8d7b803f2459", "tokens-1M", "1000000", "quant", "{\"bits\":\"4\",\"group\":\"32\"}", "0"},
            {"a98cb771499b8e916887", "tokens-2M", "2000000", "noise", "{\"gamma\":\"0.5\",\"scale\":\"init\"}", "1002"},
    };

    @Test
    void theUnitsOfAnOldStoreAreTheUnitsOfTodaysPlanAndResume(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("old.db");
        writeOldStore(file);
        ScanPlan plan = StoreFixtures.plan();
        assertEquals(PLAN_HASH, plan.planHash());
        Set<String> oldIds = java.util.Arrays.stream(ROWS).map(r -> r[0]).collect(Collectors.toSet());
        Set<String> planIds = plan.units().stream().map(Unit::id).collect(Collectors.toSet());
        assertTrue(planIds.containsAll(oldIds), "every stored unit is a unit of today's plan");

        try (ResultStore store = ResultStore.open(file, plan, "{}")) {
            assertEquals(oldIds, store.storedStatus().keySet());
            List<Unit> pending = plan.units().stream().filter(u -> !store.storedStatus().containsKey(u.id())).toList();
            assertEquals(plan.units().size() - ROWS.length, pending.size(), "a resumed scan runs only the units not stored");

            Map<String, UnitResult> byId = store.results().stream().collect(Collectors.toMap(UnitResult::unitId, u -> u));
            assertEquals(new Probe.Base(), byId.get("289bcb8de1fbdcd0b281").probe());
            assertEquals(new Probe.FineTune(0.003, 1), byId.get("74dea1ff556d6c116c04").probe());
            assertEquals(new Probe.Noise(NoiseScale.INIT, 1.0, 1001), byId.get("445abbba8dedc7cd3ed8").probe());
            assertEquals(new Probe.Quant(new Quantization(4, 32)), byId.get("9d35571f8d7b803f2459").probe());
            assertEquals(new Probe.Noise(NoiseScale.INIT, 0.5, 1002), byId.get("a98cb771499b8e916887").probe());
            assertEquals(Map.of("gamma", "1.0", "scale", "init"), byId.get("445abbba8dedc7cd3ed8").setting());

            // Resuming writes the next unit beside the old ones.
            Unit next = pending.getFirst();
            store.record(StoreFixtures.done(next, 3.0));
            assertEquals(ROWS.length + 1, store.results().size());
        }
    }

    private static void writeOldStore(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode = WAL");
            s.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            s.execute("""
                    CREATE TABLE unit (
                      id TEXT PRIMARY KEY, checkpoint TEXT NOT NULL, tokens INTEGER NOT NULL, probe TEXT NOT NULL, setting TEXT NOT NULL,
                      seed INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('done', 'failed')), metrics TEXT NOT NULL,
                      curve TEXT NOT NULL, reason TEXT, backend TEXT, engine_version TEXT, git_hash TEXT, seconds REAL, finished TEXT NOT NULL)""");
            s.execute("INSERT INTO meta VALUES ('plan_hash', '" + PLAN_HASH + "'), ('plan', '{}'), ('schema_version', '1'),"
                    + " ('created', '2026-01-01T00:00:00Z')");
            for (String[] r : ROWS) {
                try (PreparedStatement q = c.prepareStatement(
                        "INSERT INTO unit VALUES (?, ?, ?, ?, ?, ?, 'done', '{\"ood_loss\":2.5}', '[]', NULL, 'ort-cpu', '0.1.0-SNAPSHOT', 'abc1234', 1.5,"
                                + " '2026-01-01T00:00:00Z')")) {
                    q.setString(1, r[0]);
                    q.setString(2, r[1]);
                    q.setLong(3, Long.parseLong(r[2]));
                    q.setString(4, r[3]);
                    q.setString(5, r[4]);
                    q.setLong(6, Long.parseLong(r[5]));
                    q.executeUpdate();
                }
            }
        }
    }
}
