package dev.overtune.scan;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Leases on units, so that scans sharing one store split the work instead of each doing all of it. A claim
 * has an owner and an expiry: it is taken in one transaction that passes over units others hold (the
 * shape of PostgreSQL's {@code SELECT … FOR UPDATE SKIP LOCKED} on a lease table), renewed while the unit
 * runs, and released in the transaction that stores the unit's result. An expired claim, or one whose
 * owner is a process of this host that no longer runs, is taken again.
 */
public interface UnitClaims {
    /** Who claims: host:pid:random, unique to one open store. */
    String owner();

    /**
     * Claims the first of {@code candidates} that still needs running and no live claim holds.
     *
     * @param retry failed units to run again: each may be claimed while its stored row is the failed one
     *              stored before this scan started
     * @return the claimed unit, or empty when none is left to claim
     */
    Optional<Unit> claimNext(List<Unit> candidates, Set<String> retry);

    /**
     * The same, preferring units of the checkpoint this worker has loaded (null: none yet), so that each checkpoint is
     * loaded by as few workers as possible.
     */
    default Optional<Unit> claimNext(List<Unit> candidates, Set<String> retry, ScanCheckpoint loaded) {
        if (loaded == null) {
            return claimNext(candidates, retry);
        }
        List<Unit> ordered = new java.util.ArrayList<>(candidates.size());
        candidates.stream().filter(u -> u.checkpoint().equals(loaded)).forEach(ordered::add);
        candidates.stream().filter(u -> !u.checkpoint().equals(loaded)).forEach(ordered::add);
        return claimNext(ordered, retry);
    }

    /** Extends this owner's claim on a unit; false if the claim was lost (expired and taken by another scan). */
    boolean renew(String unitId);

    /** Gives a claim up without a result (the unit will be claimed again). */
    void release(String unitId);

    /** Units of {@code candidates} that still need running but are held by another owner's live claim. */
    int heldByOthers(List<Unit> candidates);
}
