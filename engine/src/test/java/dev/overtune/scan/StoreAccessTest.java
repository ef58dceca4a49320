package dev.overtune.scan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Readers need no write access; writers leave no side files; a refusal names the real cause. */
class StoreAccessTest {
    private static Path storeWithUnits(Path dir, int n) {
        Path file = dir.resolve("scan.db");
        ScanPlan plan = StoreFixtures.plan();
        try (ResultStore s = ResultStore.open(file, plan, "{}")) {
            for (int i = 0; i < n; i++) {
                s.record(StoreFixtures.done(plan.units().get(i), 2.0 + i));
            }
        }
        return file;
    }

    @Test
    void aCleanCloseLeavesNoSideFilesAndRollbackMode(@TempDir Path dir) throws Exception {
        Path file = storeWithUnits(dir, 3);
        assertEquals(List.of(), StoreFixtures.sideFiles(file));
        assertEquals("delete", StoreFixtures.journalMode(file));
    }

    @Test
    void readersWorkInAnUnwritablePlaceAndAReadOnlyStoreResumesAsANoOp(@TempDir Path dir) throws Exception {
        Path place = Files.createDirectory(dir.resolve("ro"));
        ScanPlan plan = StoreFixtures.plan();
        Path file = place.resolve("scan.db");
        try (ResultStore s = ResultStore.open(file, plan, "{}")) {
            for (Unit u : plan.units()) {
                s.record(StoreFixtures.done(u, 2.0));
            }
        }
        byte[] before = Files.readAllBytes(file);
        try (ReadOnlyPlace ignored = ReadOnlyPlace.lock(place)) {
            try (ResultStore s = ResultStore.read(file)) {
                assertEquals(plan.units().size(), s.results().size());
            }
            try (ResultStore s = ResultStore.open(file, plan, "{}")) {
                assertEquals(plan.units().size(), s.finishedIds().size(), "a complete store opens for a no-op resume");
            }
            try (ResultStore s = ResultStore.open(file, plan, "{\"built_by\": \"a later commit\"}")) {
                assertEquals(plan.units().size(), s.finishedIds().size(), "a newer build's plan description waits for a unit to write");
            }
        }
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(), StoreFixtures.sideFiles(file));
    }

    @Test
    void aWalModeStoreIsReadInAnUnwritablePlace(@TempDir Path dir) throws Exception {
        Path place = Files.createDirectory(dir.resolve("ro"));
        Path file = place.resolve("old.db");
        ScanPlan plan = StoreFixtures.plan();
        StoreFixtures.legacyStore(file, plan, "{}", List.of(StoreFixtures.done(plan.units().get(0), 2.5)));
        assertEquals("wal", StoreFixtures.journalMode(file));
        try (ReadOnlyPlace ignored = ReadOnlyPlace.lock(place)) {
            try (ResultStore s = ResultStore.read(file)) {
                assertEquals(1, s.results().size());
            }
        }
        assertEquals(List.of(), StoreFixtures.sideFiles(file));
    }

    @Test
    void readingAWalModeStoreLeavesNoSideFiles(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("old.db");
        ScanPlan plan = StoreFixtures.plan();
        StoreFixtures.legacyStore(file, plan, "{}", List.of(StoreFixtures.done(plan.units().get(0), 2.5)));
        byte[] before = Files.readAllBytes(file);
        try (ResultStore s = ResultStore.read(file)) {
            assertEquals(1, s.results().size());
        }
        assertEquals(List.of(), StoreFixtures.sideFiles(file), "a reader left -shm/-wal behind");
        StoreException refused = assertThrows(StoreException.class, () -> ResultStore.open(file, StoreFixtures.plan2(), "{}"));
        assertTrue(refused.getMessage().contains("different scan plan"), refused.getMessage());
        assertEquals(List.of(), StoreFixtures.sideFiles(file), "a refused scan left -shm/-wal behind");
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void aRefusedWriteToAReadOnlyWalModeStoreLeavesNoSideFilesToBlockItLater(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("old.db");
        ScanPlan plan = StoreFixtures.plan();
        StoreFixtures.legacyStore(file, plan, "{}", List.of(StoreFixtures.done(plan.units().get(0), 2.5)));
        byte[] before = Files.readAllBytes(file);
        try (ReadOnlyPlace ignored = ReadOnlyPlace.lockFile(file)) {
            try (ResultStore s = ResultStore.open(file, plan, "{}")) {
                StoreException e = assertThrows(StoreException.class, () -> s.record(StoreFixtures.done(plan.units().get(1), 2.0)));
                assertTrue(e.getMessage().contains("the file is read-only here"), e.getMessage());
            }
            assertEquals(List.of(), StoreFixtures.sideFiles(file), "side files left beside a read-only store");
        }
        assertArrayEquals(before, Files.readAllBytes(file));
        try (ResultStore s = ResultStore.open(file, plan, "{}")) {
            s.record(StoreFixtures.done(plan.units().get(1), 2.0));
        }
        try (ResultStore s = ResultStore.read(file)) {
            assertEquals(2, s.results().size(), "made writable again, the store takes the unit");
        }
    }

    @Test
    void aScanThatMustWriteToAReadOnlyStoreSaysSoAndLeavesIt(@TempDir Path dir) throws Exception {
        Path place = Files.createDirectory(dir.resolve("ro"));
        Path file = storeWithUnits(place, 1);
        byte[] before = Files.readAllBytes(file);
        ScanPlan plan = StoreFixtures.plan();
        try (ReadOnlyPlace ignored = ReadOnlyPlace.lock(place)) {
            try (ResultStore s = ResultStore.open(file, plan, "{}")) {
                StoreException e = assertThrows(StoreException.class, () -> s.record(StoreFixtures.done(plan.units().get(1), 2.0)));
                assertTrue(e.getMessage().contains("scan.db") && (e.getMessage().contains("read-only") || e.getMessage().contains("not writable")
                        || e.getMessage().contains("cannot be opened or written")), e.getMessage());
                assertFalse(e.getMessage().contains("unreadable"), "blames the store: " + e.getMessage());
            }
            try (ResultStore s = ResultStore.open(file, plan, "{\"grown\": true}")) {
                StoreException changed = assertThrows(StoreException.class, () -> s.claims().claimNext(plan.units(), java.util.Set.of()));
                assertTrue(changed.getMessage().contains("has to write"), changed.getMessage());
            }
        }
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(), StoreFixtures.sideFiles(file));
        try (ResultStore s = ResultStore.open(file, plan, "{}")) {
            s.record(StoreFixtures.done(plan.units().get(1), 2.0));
        }
        assertEquals(List.of(), StoreFixtures.sideFiles(file), "no side files left by the refusal block a later writer");
    }
}
