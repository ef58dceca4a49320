package dev.overtune.scan;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where a scan keeps its results and its claims: a SQLite file ({@link ResultStore}) for one machine or a
 * shared filesystem's single writer, PostgreSQL ({@link PgStore}) for many workers on many machines. Both hold
 * one plan, refuse another plan's scan, keep each finished unit once by its id, and hand units out under leases.
 */
public interface ScanStore extends AutoCloseable {
    /** What to name in messages: the file, or postgresql://host:port/db (never a password). */
    String location();

    /** The hash of the plan that made this store: stores of one plan hold the same units. */
    String planHash();

    /** The latest plan scanned into this store, as JSON (checkpoints, settings, unit count). */
    String planJson();

    /** Every stored unit's id and status. */
    Map<String, UnitResult.Status> storedStatus();

    /** Every stored unit, in the order they finished. */
    List<UnitResult> results();

    /** Metadata: plan, fingerprints and weights digests of checkpoints, the shards that wrote into the store. */
    Map<String, String> meta();

    /**
     * Records a finished unit and releases this store's claim on it, in one transaction. A unit stored as done is
     * never changed; a failed one is replaced only when {@code replaceFailed} (a retry). False when it was already stored.
     */
    boolean record(UnitResult u, boolean replaceFailed);

    /** The store's unit claims, held under this store's owner. */
    UnitClaims claims();

    /** How long a claim lasts without renewal; renewed every third of it while the unit runs. */
    void claimLease(Duration lease);

    /** Keeps this store's claim on a running unit alive until {@link #stopRenewing()}, the next call, or close. */
    void renewWhileRunning(String unitId);

    void stopRenewing();

    /**
     * A worker loaded a checkpoint to {@code digest}: refused if the store's units of it were measured on other bytes,
     * recorded the first time.
     */
    void checkLoadedWeights(ScanCheckpoint checkpoint, String digest);

    /** Notes that this scan runs shard {@code index/count} of the plan, so a report can name the shards it lacks. */
    void noteShard(int index, int count);

    /** Whether a worker with nothing left to claim should wait for units other workers hold, to take them if their lease runs out. */
    boolean awaitsOthers();

    @Override
    void close();
}
