package dev.hpc.head.state;

import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import java.time.Instant;
import java.util.List;

/**
 * The commands on jobs that wait: holds ({@code qhold}, {@code qrls}), and the changes that keep a job waiting
 * ({@code qalter}, {@code qmove}, {@code qorder}), each checked whole before anything changes.
 */
final class WaitingJobCommands {
    private final JobRefs refs;
    private final QueueIndex queue;
    private final Admission admission;

    WaitingJobCommands(JobRefs refs, QueueIndex queue, Admission admission) {
        this.refs = refs;
        this.queue = queue;
        this.admission = admission;
    }

    void hold(Command.Hold c, Outcome out) {
        JobEntry e = refs.resolve(c.job());
        int held = 0;
        for (TaskEntry t : refs.tasksOf(e, c.job())) {
            if (t.state == JobState.QUEUED) {
                t.moveTo(JobState.HELD);
                t.holds = Holds.add("", c.types());
                t.comment = Holds.comment(t.holds, c.user());
                held++;
            } else if (t.state == JobState.HELD) {
                t.holds = Holds.add(t.holds, c.types());
                t.comment = Holds.comment(t.holds, c.user());
                held++;
            }
        }
        JobEntry.Unstarted u = e.unstarted;
        if (JobRefs.namesWholeJob(c.job()) && (u.in(JobState.QUEUED) || u.in(JobState.HELD))) {
            if (u.state == JobState.QUEUED) {
                u.moveTo(JobState.HELD);
                u.holds = Holds.add("", c.types());
            } else {
                u.holds = Holds.add(u.holds, c.types());
            }
            u.comment = Holds.comment(u.holds, c.user());
            held += u.indices.size();
        }
        if (held == 0) {
            throw Rejection.notAllowed("job " + c.job() + " is " + e.state()
                    + "; only queued jobs can be held (Request invalid for state of job)");
        }
        e.changed();
        out.answer(e.toRecord());
    }

    void release(Command.Release c, Outcome out) {
        JobEntry e = refs.resolve(c.job());
        int released = 0;
        for (TaskEntry t : refs.tasksOf(e, c.job())) {
            if (t.state == JobState.HELD && Holds.overlaps(t.holds, c.types())) {
                t.holds = Holds.remove(t.holds, c.types());
                released++;
                if (t.holds.isEmpty()) {
                    t.moveTo(JobState.QUEUED);
                    t.comment = "waiting for the scheduler";
                } else {
                    t.comment = Holds.comment(t.holds, c.user());
                }
            }
        }
        JobEntry.Unstarted u = e.unstarted;
        if (JobRefs.namesWholeJob(c.job()) && u.in(JobState.HELD) && Holds.overlaps(u.holds, c.types())) {
            u.holds = Holds.remove(u.holds, c.types());
            released += u.indices.size();
            if (u.holds.isEmpty()) {
                u.moveTo(JobState.QUEUED);
                u.comment = "waiting for the scheduler";
            } else {
                u.comment = Holds.comment(u.holds, c.user());
                e.changed();
            }
        }
        if (released == 0) {
            throw Rejection.notAllowed("job " + c.job() + " is " + e.state()
                    + " and has no " + Holds.describe(c.types()) + " hold to release");
        }
        e.changed();
        out.answer(e.toRecord());
        out.reschedule();
    }

    /**
     * {@code qorder}: two waiting jobs of one queue and priority swap their places: the rank that orders a queue
     * group (the job number until a swap) and the time their age counts from. A job's place is its priority
     * first (docs/scheduling.md), so jobs of different queues or {@code -p} are refused: swapping their ranks
     * would not swap their order.
     */
    void order(Command.Order c, Outcome out) {
        JobEntry a = refs.waitingJob(c.job(), "qorder reorders", "reordered");
        JobEntry b = refs.waitingJob(c.other(), "qorder reorders", "reordered");
        if (a == b) {
            throw Rejection.notAllowed("qorder needs two different jobs; " + c.job() + " and " + c.other()
                    + " are both job " + a.id);
        }
        if (!a.spec.queue().equals(b.spec.queue())) {
            throw Rejection.notAllowed("jobs " + a.id + " (queue " + a.spec.queue() + ") and " + b.id
                    + " (queue " + b.spec.queue() + ") are in different queues; qorder swaps jobs of one queue "
                    + "here: qmove one of them first");
        }
        if (a.spec.priority() != b.spec.priority()) {
            throw Rejection.notAllowed("jobs " + a.id + " (-p " + a.spec.priority() + ") and " + b.id + " (-p "
                    + b.spec.priority() + ") have different priorities, which order them before their places do: "
                    + "give them the same priority with qalter -p first");
        }
        queue.regroup(a, () -> queue.regroup(b, () -> {
            long rank = a.rank;
            Instant since = a.rankSince;
            a.rank = b.rank;
            a.rankSince = b.rankSince;
            b.rank = rank;
            b.rankSince = since;
        }));
        for (JobEntry e : List.of(a, b)) {
            JobEntry other = e == a ? b : a;
            commentQueued(e, "place swapped with job " + other.id + " by " + c.user() + " (qorder)");
            e.changed();
        }
        out.answer(a.toRecord());
        out.reschedule();
    }

    /** {@code qalter}: the new spec is checked like a submission, then the job's tasks are re-queued under it. */
    void alter(Command.Alter c, Outcome out) {
        JobEntry e = refs.waitingJob(c.job(), "qalter changes", "altered");
        changeWaiting(e, c.change().apply(e.spec), "altered by " + c.user(), out);
    }

    /** {@code qmove}: as {@code qalter -q}, with qmove's words in its refusals. */
    void move(Command.Move c, Outcome out) {
        JobEntry e = refs.waitingJob(c.job(), "qmove moves", "moved to another queue");
        if (e.spec.queue().equals(c.queue())) {
            throw Rejection.notAllowed("job " + e.id + " is in queue '" + c.queue() + "' already; name "
                    + "another queue to move it to");
        }
        changeWaiting(e, e.spec.withQueue(c.queue()), "moved from queue " + e.spec.queue() + " by " + c.user(), out);
    }

    /** Checks the new spec as a submission (queue, limits, feasibility), then applies it whole. */
    private void changeWaiting(JobEntry e, JobSpec wanted, String why, Outcome out) {
        JobSpec next = admission.admit(wanted, e.spec.queue());
        queue.regroup(e, () -> e.spec = next);
        commentQueued(e, why + "; waiting for the scheduler");
        e.changed();
        out.answer(e.toRecord());
        out.reschedule();
    }

    /** What {@code qstat -f} says of the job's queued tasks, unstarted ones included. */
    private static void commentQueued(JobEntry e, String comment) {
        for (TaskEntry t : e.keptTasks()) {
            if (t.state == JobState.QUEUED) {
                t.comment = comment;
            }
        }
        if (e.unstarted.in(JobState.QUEUED)) {
            e.unstarted.comment = comment;
        }
    }
}
