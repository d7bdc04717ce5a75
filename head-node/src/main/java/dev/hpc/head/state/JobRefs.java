package dev.hpc.head.state;

import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobState;
import java.util.ArrayList;
import java.util.List;

/** The job and tasks a command names, and the refusals, in PBS's words, of what it may not act on. */
final class JobRefs {
    private final String cluster;
    private final JobTable jobs;

    JobRefs(String cluster, JobTable jobs) {
        this.cluster = cluster;
        this.jobs = jobs;
    }

    /** The live job the reference names, of this cluster; refused as unknown otherwise. */
    JobEntry resolve(JobId.JobRef ref) {
        JobEntry e = jobs.get(ref.number());
        if (e == null || !ref.inCluster(cluster)) {
            throw Rejection.unknownJob(ref.toString());
        }
        if (ref.arrayIndex().isPresent() && !e.has(ref.arrayIndex().get())) {
            throw Rejection.unknownJob(ref.toString());
        }
        return e;
    }

    /**
     * The kept tasks a reference names: one index of an array job (taken apart from the unstarted ones, so that
     * it may change alone), or all kept tasks of the job; a command on the whole job acts on its unstarted
     * tasks as well ({@link #namesWholeJob}).
     */
    List<TaskEntry> tasksOf(JobEntry e, JobId.JobRef ref) {
        if (ref.arrayIndex().isPresent()) {
            return List.of(e.touch(ref.arrayIndex().get()));
        }
        return new ArrayList<>(e.keptTasks());
    }

    static boolean namesWholeJob(JobId.JobRef ref) {
        return ref.arrayIndex().isEmpty();
    }

    /** The running tasks the reference names; refused, in PBS's words, when none runs. */
    List<TaskEntry> runningTasks(JobEntry e, JobId.JobRef ref, String verb, String alternative) {
        List<TaskEntry> targets = new ArrayList<>();
        for (TaskEntry t : tasksOf(e, ref)) {
            if (t.state == JobState.RUNNING) {
                targets.add(t);
            }
        }
        if (targets.isEmpty()) {
            throw Rejection.notAllowed("job " + ref + " is " + e.state() + "; only running jobs can be "
                    + verb + " (Request invalid for state of job)" + alternative);
        }
        return targets;
    }

    /** The whole job the reference names, when all its tasks are queued or held; refused otherwise. */
    JobEntry waitingJob(JobId.JobRef ref, String what, String done) {
        JobEntry e = resolve(ref);
        if (ref.arrayIndex().isPresent()) {
            throw Rejection.notAllowed(what + " a whole job; name the job (" + e.id
                    + "), not one of its array tasks");
        }
        if (!e.allWaiting()) {
            JobState other = e.unstarted.isEmpty() || WaitingCounts.waiting(e.unstarted.state)
                    ? e.keptTasks().stream().map(t -> t.state).filter(st -> !WaitingCounts.waiting(st)).findFirst()
                    .orElseGet(e::sealedState) : e.unstarted.state;
            boolean single = e.taskCount() == 1;
            throw Rejection.notAllowed("job " + e.id + " has " + (single ? "state " : "a task that is ") + other
                    + "; only a job whose tasks are all queued or held can be " + done);
        }
        return e;
    }
}
