package dev.hpc.api.job;

/**
 * The life of a job or of one of its tasks. {@code HELD -> QUEUED -> RUNNING -> COMPLETED | FAILED |
 * CANCELLED}, and {@code RUNNING -> QUEUED} when the node under a rerunnable task dies. The allowed
 * transitions live in one table in the head; this enum only names the states.
 */
public enum JobState {
    HELD,
    QUEUED,
    RUNNING,
    COMPLETED,
    FAILED,
    CANCELLED;

    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
