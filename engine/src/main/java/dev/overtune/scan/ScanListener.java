package dev.overtune.scan;

/** Follows a running scan: for progress bars and for tools that embed the engine. */
public interface ScanListener {
    default void started(int unitsInPlan, int pending) {}

    /**
     * The scan starts: {@code pending} units to run, of which {@code retrying} are failed units run again; {@code failed}
     * units of the plan are stored as failed (before any retry).
     */
    default void started(int unitsInPlan, int pending, int failed, int retrying) {
        started(unitsInPlan, pending);
    }

    default void checkpointStarted(ScanCheckpoint checkpoint, int pendingUnits) {}

    default void unitFinished(UnitResult result, int finished, int pending) {}

    /** The scan ends with {@code units} of its units still held by other scans' live claims on the same store. */
    default void heldByOtherScans(int units) {}

    /** Nothing is left to claim but {@code units} are held by other workers: this one waits to take over any whose lease runs out. */
    default void waitingForOthers(int units) {}

    /**
     * The directory of a checkpoint does not exist on this worker's host: its {@code units} are left to workers that
     * have it (the claim released, nothing stored).
     */
    default void checkpointUnavailable(ScanCheckpoint checkpoint, String host, int units) {}

    ScanListener NONE = new ScanListener() {};
}
