package dev.overtune.scan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store knows its own files: an application id and a schema version, checked before anything is written. */
class StoreIdentityTest {
    @Test
    void aNewStoreCarriesTheApplicationIdAndSchemaVersion(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("scan.db");
        ScanPlan plan = StoreFixtures.plan();
        try (ResultStore s = ResultStore.open(file, plan, "{}")) {
            s.record(StoreFixtures.done(plan.units().get(0), 2.5));
        }
        assertEquals(StoreFile.APPLICATION_ID, StoreFixtures.pragma(file, "application_id"));
        assertEquals(StoreFile.SCHEMA_VERSION, StoreFixtures.pragma(file, "user_version"));
    }

    @Test
    void anotherProgramsDatabaseIsRefusedUntouched(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("contacts.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE people (name TEXT, email TEXT)");
            s.execute("INSERT INTO people VALUES ('Ada', 'ada@example.org')");
        }
        byte[] before = Files.readAllBytes(file);
        StoreException e = assertThrows(StoreException.class, () -> ResultStore.open(file, StoreFixtures.plan(), "{}"));
        assertTrue(e.getMessage().contains("contacts.db") && e.getMessage().contains("another program")
                && e.getMessage().contains("tables people") && e.getMessage().contains("untouched"), e.getMessage());
        StoreException r = assertThrows(StoreException.class, () -> ResultStore.read(file));
        assertTrue(r.getMessage().contains("another program"), r.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file), "the foreign database was changed");
        assertEquals(List.of(), StoreFixtures.sideFiles(file));
        assertEquals("delete", StoreFixtures.journalMode(file));
    }

    @Test
    void aDatabaseWithItsOwnUnitTableIsRefusedUntouched(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("inventory.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA application_id = 1234");
            s.execute("CREATE TABLE unit (id INTEGER PRIMARY KEY, name TEXT)");
            s.execute("INSERT INTO unit VALUES (1, 'kg')");
        }
        byte[] before = Files.readAllBytes(file);
        StoreException e = assertThrows(StoreException.class, () -> ResultStore.open(file, StoreFixtures.plan(), "{}"));
        assertTrue(e.getMessage().contains("application_id 0x000004D2") && e.getMessage().contains("tables unit"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void aStoreOfANewerSchemaIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("scan.db");
        try (ResultStore s = ResultStore.open(file, StoreFixtures.plan(), "{}")) {
            s.record(StoreFixtures.done(StoreFixtures.plan().units().get(0), 2.5));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 99");
        }
        StoreException e = assertThrows(StoreException.class, () -> ResultStore.open(file, StoreFixtures.plan(), "{}"));
        assertTrue(e.getMessage().contains("newer schema (99"), e.getMessage());
    }

    @Test
    void aStoreFromBeforeApplicationIdsOpensReadsAndIsUpgradedOnlyWhenWritten(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("old.db");
        ScanPlan plan = StoreFixtures.plan();
        List<Unit> units = plan.units();
        StoreFixtures.legacyStore(file, plan, "{\"old\": true}", List.of(StoreFixtures.done(units.get(0), 2.5), StoreFixtures.failed(units.get(1), "boom")));
        assertEquals(0, StoreFixtures.pragma(file, "application_id"));
        byte[] before = Files.readAllBytes(file);

        try (ResultStore s = ResultStore.read(file)) {
            assertEquals(2, s.results().size());
            assertEquals(plan.planHash(), s.planHash());
        }
        try (ResultStore s = ResultStore.open(file, plan, "{\"old\": true}")) {
            assertEquals(2, s.finishedIds().size(), "resumes with what it holds");
        }
        assertArrayEquals(before, Files.readAllBytes(file), "reading and a no-op open leave an old store as it was");
        assertEquals(0, StoreFixtures.pragma(file, "application_id"));

        try (ResultStore s = ResultStore.open(file, plan, "{\"old\": true}")) {
            s.record(StoreFixtures.done(units.get(2), 3.0));
            assertEquals("2", s.meta("schema_version"));
        }
        assertEquals(StoreFile.APPLICATION_ID, StoreFixtures.pragma(file, "application_id"), "upgraded when first written");
        assertEquals(StoreFile.SCHEMA_VERSION, StoreFixtures.pragma(file, "user_version"));
        try (ResultStore s = ResultStore.read(file)) {
            assertEquals(3, s.results().size());
        }
    }

    /**
     * Two scans starting at once on a store that does not exist yet: whichever opens second must see an empty file or a
     * whole overtune store, never the first one's tables before its application id (it refused that as another
     * program's database before the schema was written in one transaction).
     */
    @Test
    void twoScansCreatingOneStoreAtOnceBothOpenIt(@TempDir Path tmp) throws Exception {
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 40; round++) {
                Path file = tmp.resolve("scan-" + round + ".db");
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
                List<java.util.concurrent.Future<String>> opened = new java.util.ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    opened.add(two.submit(() -> {
                        start.await();
                        try (ResultStore s = ResultStore.open(file, StoreFixtures.plan(), "{}")) {
                            return s.planHash();
                        }
                    }));
                }
                for (java.util.concurrent.Future<String> f : opened) {
                    assertEquals(StoreFixtures.plan().planHash(), f.get(), "round " + round);
                }
                assertEquals(StoreFile.APPLICATION_ID, StoreFixtures.pragma(file, "application_id"));
            }
        } finally {
            two.shutdownNow();
        }
    }
}
