package dev.overtune.scan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PostgreSQL store on a real server: claims, leases, idempotent results, plan and schema checks, bad addresses. */
class PgStoreTest {
    @Test
    void claimsSkipHeldUnitsAndAResultReleasesItsClaim() {
        String url = PgService.freshStore("claims");
        ScanPlan plan = StoreFixtures.plan();
        List<Unit> units = plan.units();
        try (PgStore a = PgStore.open(url, plan, "{}"); PgStore b = PgStore.open(url, plan, "{}")) {
            assertNotEquals(a.claims().owner(), b.claims().owner());
            Unit first = a.claims().claimNext(units, Set.of()).orElseThrow();
            assertEquals(units.get(0), first);
            Unit second = b.claims().claimNext(units, Set.of()).orElseThrow();
            assertNotEquals(first, second, "b passes over a's claim");
            assertEquals(1, b.claims().heldByOthers(List.of(first)));
            assertTrue(a.record(StoreFixtures.done(first, 2.0), false));
            assertEquals(0, b.claims().heldByOthers(List.of(first)), "recording released the claim");
            b.claims().release(second.id());
            assertEquals(second, a.claims().claimNext(List.of(first, second), Set.of()).orElseThrow(), "a released claim is free, a stored unit is not");
            assertEquals(Map.of(first.id(), UnitResult.Status.DONE), b.storedStatus());
        }
    }

    @Test
    void anExpiredLeaseIsTakenAgainAndTheLateResultChangesNothing() throws Exception {
        String url = PgService.freshStore("lease");
        ScanPlan plan = StoreFixtures.plan();
        List<Unit> one = plan.units().subList(0, 1);
        try (PgStore a = PgStore.open(url, plan, "{}"); PgStore b = PgStore.open(url, plan, "{}")) {
            a.claimLease(Duration.ofMillis(800));
            assertTrue(a.claims().claimNext(one, Set.of()).isPresent());
            assertEquals(Optional.empty(), b.claims().claimNext(one, Set.of()));
            Thread.sleep(1000);
            assertEquals(one.get(0), b.claims().claimNext(one, Set.of()).orElseThrow(), "the lease ran out");
            assertFalse(a.claims().renew(one.get(0).id()), "a lost its claim");
            assertTrue(b.record(StoreFixtures.done(one.get(0), 2.0), false));
            assertFalse(a.record(StoreFixtures.done(one.get(0), 9.0), false), "a's late result is not stored");
            List<UnitResult> stored = b.results();
            assertEquals(1, stored.size(), "no duplicate");
            assertEquals(2.0, stored.get(0).metric("ood_loss"), "not overwritten");
            assertEquals(1, count(url, "SELECT count(*) FROM late_result"));
        }
    }

    @Test
    void aWorkerKeepsToItsCheckpointAndANewOneTakesACheckpointNobodyHolds() {
        String url = PgService.freshStore("prefer");
        ScanPlan plan = StoreFixtures.plan();
        List<Unit> units = plan.units();
        ScanCheckpoint first = plan.checkpoints().get(0);
        ScanCheckpoint second = plan.checkpoints().get(1);
        try (PgStore a = PgStore.open(url, plan, "{}"); PgStore b = PgStore.open(url, plan, "{}")) {
            Unit u = a.claims().claimNext(units, Set.of(), null).orElseThrow();
            assertEquals(first, u.checkpoint());
            Unit v = b.claims().claimNext(units, Set.of(), null).orElseThrow();
            assertEquals(second, v.checkpoint(), "b starts on the checkpoint nobody holds");
            a.record(StoreFixtures.done(u, 1.0), false);
            b.record(StoreFixtures.done(v, 1.0), false);
            // With a's first checkpoint loaded, a keeps to it even though b is on the second one.
            List<Unit> rest = new ArrayList<>(units);
            rest.removeAll(List.of(u, v));
            Unit w = b.claims().claimNext(rest, Set.of(), second).orElseThrow();
            assertEquals(second, w.checkpoint());
            Unit x = a.claims().claimNext(rest, Set.of(), first).orElseThrow();
            assertEquals(first, x.checkpoint());
        }
    }

    @Test
    void anotherPlanAndANewerSchemaAreRefusedWithoutWriting() throws Exception {
        String url = PgService.freshStore("refuse");
        try (PgStore a = PgStore.open(url, StoreFixtures.plan(), "{}")) {
            a.noteShard(0, 2);
        }
        int metaRows = count(url, "SELECT count(*) FROM meta");
        StoreException other = assertThrows(StoreException.class, () -> PgStore.open(url, StoreFixtures.plan2(), "{}"));
        assertTrue(other.getMessage().contains("different scan plan") && other.getMessage().contains("127.0.0.1:5432/overtune?schema=" + PgService.schemaOf(url))
                && other.getMessage().contains("?schema="), other.getMessage());
        assertFalse(other.getMessage().contains("overtune:overtune"), "no password in " + other.getMessage());
        assertEquals(metaRows, count(url, "SELECT count(*) FROM meta"));
        PgService.sql("INSERT INTO " + PgService.schemaOf(url) + ".schema_migration (version, description) VALUES (99, 'from the future')");
        StoreException newer = assertThrows(StoreException.class, () -> PgStore.open(url, StoreFixtures.plan(), "{}"));
        assertTrue(newer.getMessage().contains("version 99") && newer.getMessage().contains("newer than this overtune"), newer.getMessage());
        assertThrows(StoreException.class, () -> PgStore.read(url));
    }

    @Test
    void anUnreachableServerOrAWrongPasswordIsOneLineNamingTheHostNotThePassword() {
        PgService.ensureUp();
        StoreException refused = assertThrows(StoreException.class, () -> PgStore.open(
                "postgresql://overtune:s3cret@127.0.0.1:1/overtune", StoreFixtures.plan(), "{}"));
        String m = refused.getMessage();
        assertTrue(m.startsWith("postgresql://127.0.0.1:1/overtune: cannot connect") && m.contains("refused"), m);
        assertFalse(m.contains("s3cret") || m.contains("\n"), m);
        StoreException wrong = assertThrows(StoreException.class, () -> PgStore.open(
                "postgresql://overtune:wrong-s3cret@" + PgService.HOST_PORT + "/overtune?schema=" + PgService.schema("never"), StoreFixtures.plan(), "{}"));
        m = wrong.getMessage();
        assertTrue(m.contains("127.0.0.1:5432/overtune") && m.contains("password authentication failed") && m.contains("PGPASSWORD"), m);
        assertFalse(m.contains("wrong-s3cret") || m.contains("\n"), m);
        assertEquals(0, count("SELECT count(*) FROM information_schema.schemata WHERE schema_name = '" + PgService.schema("never") + "'"), "nothing written");
    }

    @Test
    void aScanThroughPostgresqlEqualsOneThroughSqlite(@TempDir Path tmp) throws Exception {
        List<ScanCheckpoint> series = TinySeries.make(tmp.resolve("series"));
        String url = PgService.freshStore("equal");
        Scan.Outcome pg = Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(TinySeries.settings())
                .store(url).run();
        Scan.Outcome lite = Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(TinySeries.settings())
                .store(tmp.resolve("scan.db")).run();
        assertEquals(series.size() * TinySeries.UNITS_PER_CHECKPOINT, pg.results().size());
        assertEquals(byId(lite.results()), byId(pg.results()));
        assertEquals(0, Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(TinySeries.settings())
                .store(url).run().unitsRunNow(), "resumes as a no-op");
        // A scan's lanes are workers of their own (a lane may help with a checkpoint another lane started); one worker's
        // claim order loads each checkpoint once.
        String oneLane = PgService.freshStore("onelane");
        Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(TinySeries.settings()).store(oneLane).lanes(1).run();
        assertEquals(series.size(), count(oneLane, "SELECT count(*) FROM checkpoint_load"), "each checkpoint loaded once");
    }

    @Test
    void aCheckpointMissingOnThisHostIsReleasedNotFailed(@TempDir Path tmp) throws Exception {
        List<ScanCheckpoint> made = TinySeries.make(tmp.resolve("series"));
        List<ScanCheckpoint> series = new ArrayList<>(made);
        series.add(new ScanCheckpoint("step99", tmp.resolve("elsewhere/step99"), 99 * TinySeries.BATCH * TinySeries.SEQ));
        String url = PgService.freshStore("missing");
        List<String> said = new ArrayList<>();
        Scan.Outcome out = Scan.builder().series(series).task(TinySeries.task()).ood(TinySeries.oodTokens()).settings(TinySeries.settings())
                .model(dev.overtune.model.ModelConfigs.resolve("tiny")).store(url).listener(new ScanListener() {
                    @Override
                    public void checkpointUnavailable(ScanCheckpoint c, String host, int units) {
                        said.add(c.dir() + " " + host + " " + units);
                    }
                }).run();
        assertEquals(made.size() * TinySeries.UNITS_PER_CHECKPOINT, out.results().size(), "the others ran, nothing of step99 stored");
        assertTrue(out.results().stream().allMatch(UnitResult::done));
        assertEquals(List.of(tmp.resolve("elsewhere/step99") + " " + WorkerName.host() + " " + TinySeries.UNITS_PER_CHECKPOINT), said);
        assertEquals(TinySeries.UNITS_PER_CHECKPOINT, count(url, "SELECT count(*) FROM work WHERE checkpoint = 'step99' AND owner IS NULL"),
                "its units are back in the queue for a worker that has it");
    }

    private static Map<String, UnitResult> byId(List<UnitResult> results) {
        Map<String, UnitResult> out = new java.util.TreeMap<>();
        for (UnitResult r : results) {
            // seconds and backend differ between runs; the measurement must not
            out.put(r.unitId(), new UnitResult(r.unitId(), r.checkpoint(), r.tokens(), r.kind(), r.setting(), r.seed(), r.status(),
                    r.metrics(), r.curve(), r.reason(), r.backend(), r.engineVersion(), r.gitHash(), 0, r.samples()));
        }
        return out;
    }

    static int count(String url, String sql) throws Exception {
        String schema = url.substring(url.indexOf("?schema=") + 8);
        try (Connection c = PgService.connect(); Statement s = c.createStatement()) {
            s.execute("SET search_path TO " + schema);
            try (ResultSet r = s.executeQuery(sql)) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    private static int count(String sql) {
        try (Connection c = PgService.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getInt(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
