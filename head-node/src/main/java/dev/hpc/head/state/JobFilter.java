package dev.hpc.head.state;

import dev.hpc.api.job.JobState;
import java.util.Set;

/**
 * Which jobs a listing shows: by owner, queue and state (empty = any). Matched against the state's
 * own entries, so that counting the jobs of a listing builds no job records: at a million jobs,
 * building every later job just to count them made each page take seconds.
 */
public record JobFilter(String owner, String queue, Set<JobState> states) {
    public static final JobFilter ALL = new JobFilter("", "", Set.of());

    public JobFilter {
        states = Set.copyOf(states);
    }

    boolean isAll() {
        return owner.isEmpty() && queue.isEmpty() && states.isEmpty();
    }

    boolean matches(JobEntry e) {
        return (owner.isEmpty() || e.spec.owner().equals(owner))
                && (queue.isEmpty() || e.spec.queue().equals(queue))
                && (states.isEmpty() || states.contains(e.state()));
    }
}
