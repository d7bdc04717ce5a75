package dev.hpc.cli.bench;

/**
 * What one takeover of {@code hpc bench failover} measured.
 *
 * @param run                1-based
 * @param killed             the active head killed with SIGKILL
 * @param newActive          the head that took over
 * @param epoch              the epoch of the new active head
 * @param killToAcceptedMs   from the SIGKILL to the first submission a head accepted
 * @param killToFirstStartMs from the SIGKILL to the start of the first attempt of a job submitted
 *                           right after, as the new head recorded it
 * @param runningAttempts    attempts of the job that ran through the takeover, once the workers had
 *                           registered with the new head: 1 when it was not restarted
 * @param runningState       that job's state then (RUNNING expected)
 * @param rejoinMs           from the restart of the killed head until it reported itself STANDBY
 */
public record FailoverRun(int run, String killed, String newActive, long epoch, long killToAcceptedMs,
                          long killToFirstStartMs, int runningAttempts, String runningState, long rejoinMs) {

    /** Whether the job running through the takeover kept running in its first attempt (invariant 3). */
    public boolean runningJobKept() {
        return runningAttempts == 1 && ("RUNNING".equals(runningState) || "COMPLETED".equals(runningState));
    }
}
