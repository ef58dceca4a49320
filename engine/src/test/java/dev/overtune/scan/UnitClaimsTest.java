package dev.overtune.scan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Claims split a plan between scans on one store: a held unit is skipped, an expired or orphaned one taken again. */
class UnitClaimsTest {
    @Test
    void aClaimedUnitIsSkippedByAnotherScanAndReleasedByItsResult(@TempDir Path dir) {
        Path file = dir.resolve("scan.db");
        ScanPlan plan = StoreFixtures.plan();
        List<Unit> units = plan.units();
        try (ResultStore a = ResultStore.open(file, plan, "{}"); ResultStore b = ResultStore.open(file, plan, "{}")) {
            assertNotEquals(a.claims().owner(), b.claims().owner());
            Unit first = a.claims().claimNext(units, Set.of()).orElseThrow();
            assertEquals(units.get(0), first);
            assertEquals(units.get(1), b.claims().claimNext(units, Set.of()).orElseThrow(), "b passes over a's claim");
            assertEquals(1, b.claims().heldByOthers(units.subList(0, 1)));
            a.record(StoreFixtures.done(first, 2.0));
            assertEquals(0, b.claims().heldByOthers(units.subList(0, 1)), "recording released the claim");
            assertEquals(units.get(2), b.claims().claimNext(units, Set.of()).orElseThrow(), "a stored unit is not claimed again");
            b.claims().release(units.get(1).id());
            assertEquals(units.get(1), a.claims().claimNext(units, Set.of()).orElseThrow(), "a released claim is free");
        }
    }

    @Test
    void anExpiredClaimIsTakenAgain(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("scan.db");
        ScanPlan plan = StoreFixtures.plan();
        List<Unit> units = plan.units().subList(0, 1);
        try (ResultStore a = ResultStore.open(file, plan, "{}"); ResultStore b = ResultStore.open(file, plan, "{}")) {
            a.claimLease(Duration.ofMillis(1500));
            assertTrue(a.claims().claimNext(units, Set.of()).isPresent());
            assertEquals(Optional.empty(), b.claims().claimNext(units, Set.of()));
            Thread.sleep(1800);
            assertEquals(units.get(0), b.claims().claimNext(units, Set.of()).orElseThrow(), "the lease ran out");
            assertTrue(!a.claims().renew(units.get(0).id()), "a lost its claim");
        }
    }

    @Test
    void aClaimOfAProcessOfThisHostThatEndedIsTakenAtOnce(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("scan.db");
        ScanPlan plan = StoreFixtures.plan();
        List<Unit> units = plan.units().subList(0, 1);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        try (ResultStore a = ResultStore.open(file, plan, "{}")) {
            String host = a.claims().owner().substring(0, a.claims().owner().indexOf(':'));
            a.claims().claimNext(plan.units().subList(1, 2), Set.of()); // creates the tables, as a running scan would have
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                 PreparedStatement q = c.prepareStatement("INSERT INTO claim VALUES (?, ?, ?)")) {
                q.setString(1, units.get(0).id());
                q.setString(2, host + ":" + gone.pid() + ":dead");
                q.setLong(3, System.currentTimeMillis() + 3_600_000);
                q.executeUpdate();
            }
            assertEquals(units.get(0), a.claims().claimNext(units, Set.of()).orElseThrow(), "a killed scan's claim does not wait out its lease");
        }
    }

    @Test
    void failedUnitsAreClaimedOnlyWhenRetried(@TempDir Path dir) {
        Path file = dir.resolve("scan.db");
        ScanPlan plan = StoreFixtures.plan();
        List<Unit> units = plan.units().subList(0, 2);
        try (ResultStore a = ResultStore.open(file, plan, "{}")) {
            a.record(StoreFixtures.failed(units.get(0), "broken"));
            a.record(StoreFixtures.done(units.get(1), 2.0));
        }
        try (ResultStore a = ResultStore.open(file, plan, "{}")) {
            assertEquals(Optional.empty(), a.claims().claimNext(units, Set.of()));
            Set<String> retry = Set.of(units.get(0).id(), units.get(1).id());
            assertEquals(units.get(0), a.claims().claimNext(units, retry).orElseThrow());
            assertTrue(a.record(StoreFixtures.done(units.get(0), 3.0), true), "the failed row is replaced");
            assertEquals(Optional.empty(), a.claims().claimNext(units, retry), "a done unit is never rerun");
            assertTrue(!a.record(StoreFixtures.done(units.get(1), 9.0), true), "a done row is never replaced");
            assertEquals(2, a.results().size());
            assertEquals(3.0, a.results().stream().filter(r -> r.unitId().equals(units.get(0).id())).findFirst().orElseThrow().metric("ood_loss"));
        }
    }
}
