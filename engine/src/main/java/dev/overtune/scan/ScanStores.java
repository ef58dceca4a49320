package dev.overtune.scan;

import java.nio.file.Path;

/** Opens a store named as on the command line: {@code postgresql://…} for PostgreSQL, anything else a SQLite file. */
public final class ScanStores {
    private ScanStores() {}

    public static ScanStore open(String store, ScanPlan plan, String planJson) {
        return PgLocation.isUrl(store) ? PgStore.open(store, plan, planJson) : ResultStore.open(Path.of(store), plan, planJson);
    }

    /** For reading only (reports, merges, comparisons). */
    public static ScanStore read(String store) {
        return PgLocation.isUrl(store) ? PgStore.read(store) : ResultStore.read(Path.of(store));
    }
}
