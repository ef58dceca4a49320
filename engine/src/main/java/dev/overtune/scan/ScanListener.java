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

    ScanListener NONE = new ScanListener() {};
}
