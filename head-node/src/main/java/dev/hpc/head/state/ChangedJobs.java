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
    /** The jobs readers would now be shown otherwise: those changed, and those only explained anew. */
    private final Set<JobEntry> shown = new LinkedHashSet<>();

    void add(JobEntry job) {
        jobs.add(job);
        shown.add(job);
    }

    /**
     * A job whose shown form changed with nothing to commit: the scheduler's explanation of why its tasks wait,
     * which each cycle gives anew and no head keeps.
     */
    void reexplained(JobEntry job) {
        shown.add(job);
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

    /** The jobs whose shown form changed since the last call, committed or not; forgets them. */
    List<JobEntry> drainShown() {
        List<JobEntry> out = List.copyOf(shown);
        shown.clear();
        return out;
    }
}
