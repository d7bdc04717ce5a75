package dev.hpc.head.state;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The jobs one command changed, noted by the tasks themselves as they move or close an attempt, so that
 * no path of the state can change a job and forget to commit it (issue 16: results reported at a
 * worker's registration ended their tasks in memory and were never written). The state turns them into
 * the outcome's changes once, in their final form, when the command is done.
 */
final class ChangedJobs {
    private final Set<JobEntry> jobs = new LinkedHashSet<>();

    void add(JobEntry job) {
        jobs.add(job);
    }

    boolean isEmpty() {
        return jobs.isEmpty();
    }

    /** The jobs noted since the last call, in the order first noted; forgets them. */
    List<JobEntry> drain() {
        List<JobEntry> out = List.copyOf(jobs);
        jobs.clear();
        return out;
    }
}
