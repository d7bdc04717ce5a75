package dev.hpc.cli.bench.chaos;

import dev.hpc.api.job.JobState;
import java.util.Map;

/**
 * What the active head says of one job at the end of a run.
 *
 * @param number     the job's number
 * @param name       its name ({@code -N})
 * @param key        the idempotency key it was submitted with, "" for none
 * @param state      its state
 * @param exitStatus its exit status (meaningful once it ended)
 * @param reason     why it ended, as the head names it ({@code NODE_FAILURE}, ...)
 * @param listed     whether the head's full listing ({@code qstat -x}, its store) has it; false for a job found
 *                   only by asking for it by number
 * @param dispatched when the head started each attempt it records, by attempt id, in nanoseconds since the epoch
 *                   (the clock of the marker lines): a launch sent before a cut healed may reach its worker, and
 *                   start its task, after it
 */
public record HeadView(long number, String name, String key, JobState state, int exitStatus, String reason,
                       boolean listed, Map<String, Long> dispatched) {
    public HeadView {
        dispatched = Map.copyOf(dispatched);
    }

    /** Without attempt times. */
    public HeadView(long number, String name, String key, JobState state, int exitStatus, String reason,
                    boolean listed) {
        this(number, name, key, state, exitStatus, reason, listed, Map.of());
    }
}
