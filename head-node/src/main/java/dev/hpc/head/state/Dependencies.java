package dev.hpc.head.state;

import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.DependencyType;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.head.sched.PendingTask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * Whether the jobs a job depends on let it start: from the live jobs, and for jobs no longer in memory from how
 * they ended, which is all that is kept of them.
 */
final class Dependencies {
    private static final byte OUTCOME_OK = 0;
    private static final byte OUTCOME_FAILED = 1;
    private static final byte OUTCOME_CANCELLED = 2;

    private final String cluster;
    /** The live jobs by number, as the state keeps them. */
    private final JobTable jobs;
    private final Map<Long, Byte> pastOutcomes = new HashMap<>();

    /** What a job's dependencies say now; {@code waitingFor} names the first one it waits for. */
    record Verdict(PendingTask.Readiness readiness, String waitingFor) {
    }

    Dependencies(String cluster, JobTable jobs) {
        this.cluster = cluster;
        this.jobs = jobs;
    }

    /** Remembers how a job that leaves memory ended, for the dependencies that name it. */
    void remember(long number, JobState state, int exitStatus) {
        pastOutcomes.put(number, outcomeCode(state, exitStatus));
    }

    /** Refuses a dependency on a job that never existed: it would wait for ever. */
    void requireKnown(JobSpec spec) {
        for (Dependency d : spec.dependencies()) {
            for (long number : d.jobNumbers()) {
                if (jobs.get(number) == null && !pastOutcomes.containsKey(number)) {
                    throw Rejection.badRequest("dependency " + d.type().pbsName() + " names job " + number
                            + "." + cluster + ", which does not exist");
                }
            }
        }
    }

    /** Never, once any dependency can no longer be met; else waiting while any waits; else ready. */
    Verdict of(JobSpec spec) {
        PendingTask.Readiness readiness = PendingTask.Readiness.READY;
        String waitingFor = "";
        for (Dependency d : spec.dependencies()) {
            for (long number : d.jobNumbers()) {
                PendingTask.Readiness r = state(d, number);
                if (r == PendingTask.Readiness.NEVER) {
                    readiness = r;
                } else if (r == PendingTask.Readiness.WAITING && readiness == PendingTask.Readiness.READY) {
                    readiness = r;
                    waitingFor = d.type().pbsName() + ":" + number + "." + cluster;
                }
            }
        }
        return new Verdict(readiness, waitingFor);
    }

    private PendingTask.Readiness state(Dependency d, long number) {
        JobEntry other = jobs.get(number);
        byte outcome;
        if (other != null) {
            JobState st = other.state();
            if (d.type() == DependencyType.AFTER) {
                boolean started = st == JobState.RUNNING || st.isTerminal();
                return started ? PendingTask.Readiness.READY : PendingTask.Readiness.WAITING;
            }
            if (!st.isTerminal()) {
                return PendingTask.Readiness.WAITING;
            }
            outcome = outcomeCode(st, other.toRecord().exitStatus());
        } else {
            Byte past = pastOutcomes.get(number);
            if (past == null) {
                return PendingTask.Readiness.NEVER;
            }
            outcome = past;
        }
        return switch (d.type()) {
            case AFTER, AFTERANY -> PendingTask.Readiness.READY;
            case AFTEROK -> outcome == OUTCOME_OK ? PendingTask.Readiness.READY : PendingTask.Readiness.NEVER;
            case AFTERNOTOK -> outcome == OUTCOME_FAILED ? PendingTask.Readiness.READY : PendingTask.Readiness.NEVER;
        };
    }

    private static byte outcomeCode(JobState state, int exitStatus) {
        if (state == JobState.CANCELLED) {
            return OUTCOME_CANCELLED;
        }
        return state == JobState.COMPLETED && exitStatus == 0 ? OUTCOME_OK : OUTCOME_FAILED;
    }

    /** Cancels the waiting tasks of jobs whose dependencies can no longer be met. */
    void neverMet(Command.DependencyNeverMet c, Outcome out) {
        for (long number : c.jobNumbers()) {
            JobEntry e = jobs.get(number);
            if (e == null) {
                continue;
            }
            for (TaskEntry t : new ArrayList<>(e.keptTasks())) {
                if (t.state == JobState.QUEUED || t.state == JobState.HELD) {
                    t.moveTo(JobState.CANCELLED);
                    t.reason = EndReason.DEPENDENCY_NEVER_MET;
                    t.exitStatus = -1;
                    t.end = c.now();
                    t.comment = EndReason.DEPENDENCY_NEVER_MET.description();
                }
            }
            JobEntry.Unstarted u = e.unstarted;
            if (u.in(JobState.QUEUED) || u.in(JobState.HELD)) {
                u.moveTo(JobState.CANCELLED);
                u.reason = EndReason.DEPENDENCY_NEVER_MET;
                u.exitStatus = -1;
                u.end = c.now();
                u.comment = EndReason.DEPENDENCY_NEVER_MET.description();
            }
            e.changed();
        }
        out.reschedule();
    }
}
