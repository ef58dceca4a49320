package dev.overtune.scan;

/** Follows a running scan: for progress bars and for tools that embed the engine. */
public interface ScanListener {
    default void started(int unitsInPlan, int pending) {}

    default void checkpointStarted(ScanCheckpoint checkpoint, int pendingUnits) {}

    default void unitFinished(UnitResult result, int finished, int pending) {}

    ScanListener NONE = new ScanListener() {};
}
