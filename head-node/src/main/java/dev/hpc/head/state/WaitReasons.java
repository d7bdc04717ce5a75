package dev.hpc.head.state;

import dev.hpc.api.job.JobState;
import dev.hpc.head.sched.Scheduler;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/** Why each waiting task waits, and when it may start, as the last scheduling cycle saw it. */
final class WaitReasons {
    private WaitReasons() {
    }

    /**
     * Gives the tasks the scheduler looked at its reasons. An array's unstarted tasks share the reason of the
     * first of them it looked at (the next to start); one with an estimated start is taken apart to hold it. A
     * job is noted only when its tasks are told something new: a cycle mostly repeats the last one's reasons, and
     * each note costs the job its kept record ({@link JobRecordCache}).
     */
    static void explain(JobTable jobs, Command.Explain c) {
        Set<JobEntry> unstartedExplained = new HashSet<>();
        c.reasons().forEach((key, reason) -> {
            JobEntry e = jobs.get(key.jobNumber());
            if (e == null) {
                return;
            }
            Instant estimate = c.estimates().getOrDefault(key, Instant.EPOCH);
            boolean dependency = reason.startsWith(Scheduler.DEPENDENCY_REASON);
            TaskEntry t = e.task(key.index());
            if (t == null && e.unstarted.in(JobState.QUEUED) && e.unstarted.indices.contains(key.index())) {
                if (estimate.equals(Instant.EPOCH)) {
                    if (unstartedExplained.add(e) && (!e.unstarted.comment.equals(reason)
                            || e.unstarted.dependencyWait != dependency)) {
                        e.unstarted.comment = reason;
                        e.unstarted.dependencyWait = dependency;
                        e.reexplained();
                    }
                    return;
                }
                t = e.touch(key.index());
            }
            if (t != null && t.state == JobState.QUEUED) {
                // a requeued victim of preemption keeps saying so while it waits again
                String comment = t.comment.startsWith(TaskEntry.PREEMPTED_BY)
                        ? t.comment.split("; ", 2)[0] + "; " + reason : reason;
                if (!comment.equals(t.comment) || t.dependencyWait != dependency
                        || !estimate.equals(t.estimatedStart)) {
                    t.comment = comment;
                    t.dependencyWait = dependency;
                    t.estimatedStart = estimate;
                    e.reexplained();
                }
            }
        });
    }
}
