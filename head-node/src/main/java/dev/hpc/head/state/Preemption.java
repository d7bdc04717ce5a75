package dev.hpc.head.state;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.sched.Preemptions;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.TaskKey;
import java.time.Instant;
import java.util.Map;

/**
 * Preemption as the state carries it out (docs/scheduling.md): the victims the scheduler chose get SIGTERM, then
 * SIGKILL once their queue's grace has passed; a victim that ended goes back to its queue or is cancelled, as
 * its queue says. Neither counts as a failure of the job nor of its node.
 */
final class Preemption {
    /** Attributes that {@code qstat -f} shows: who preempted a job last, and whom a job preempted. */
    static final String PREEMPTED_BY_ATTRIBUTE = "preempted_by";
    static final String PREEMPTED_ATTRIBUTE = "preempted";

    private final JobTable jobs;
    private final Map<Long, TaskEntry> running;
    private final Queues queues;
    private final NodeTable nodes;
    private final RunningAttempts attempts;

    Preemption(JobTable jobs, Map<Long, TaskEntry> running, Queues queues, NodeTable nodes,
               RunningAttempts attempts) {
        this.jobs = jobs;
        this.running = running;
        this.queues = queues;
        this.nodes = nodes;
        this.attempts = attempts;
    }

    /**
     * Begins the preemptions the scheduler chose. Each is checked again against the state as it is now (a lost race
     * is dropped, not forced): the victim still runs its attempt, is not being cancelled or preempted already, and
     * its queue is still one the preemptor's queue may preempt; the preemptor still waits in its queue. The victim
     * gets SIGTERM (SIGKILL at once when its queue gives no grace); both jobs record who preempted whom.
     */
    void begin(Command.Preempt c, Outcome out) {
        for (Preemptions.Preemption p : c.preemptions()) {
            JobEntry ve = jobs.get(p.victim().jobNumber());
            JobEntry pe = jobs.get(p.preemptor().jobNumber());
            TaskEntry v = ve == null ? null : ve.task(p.victim().index());
            QueueDef vq = queues.defs().get(p.victimQueue());
            QueueDef pq = queues.defs().get(p.preemptorQueue());
            if (v == null || pe == null || vq == null || pq == null || v.state != JobState.RUNNING
                    || v.cancelRequested || v.preemptor != null || !ve.spec.queue().equals(vq.name())
                    || !pe.spec.queue().equals(pq.name()) || !pq.mayPreempt(vq) || !stillWaits(pe, p.preemptor())) {
                continue;
            }
            String by = pe.id.taskName(p.preemptor().index()) + " (queue " + pq.name() + ")";
            boolean now = vq.preemptGrace().isZero();
            v.preemptor = p.preemptor();
            v.preemptedBy = by;
            v.preemptKillAt = c.now().plus(vq.preemptGrace());
            v.preemptKilled = now;
            String then = vq.preemptMode() == QueueDef.PreemptMode.REQUEUE
                    && ve.spec.rerunnable() ? "requeued" : "cancelled";
            v.comment = TaskEntry.PREEMPTED_BY + by + (now ? "; SIGKILL sent" : "; SIGTERM sent, SIGKILL after "
                    + vq.preemptGrace().toMillis() / 1000.0 + " s") + "; it is " + then + " when it ends";
            for (NodeSlot s : v.current().nodes()) {
                if (nodes.isUp(s.node())) {
                    out.effect(new Effect.Signal(s.node(), v.currentAttemptId(), now ? "KILL" : "TERM"));
                }
            }
            ve.spec = ve.spec.withRecorded(PREEMPTED_BY_ATTRIBUTE, pe.id.taskName(p.preemptor().index()));
            String before = pe.spec.recorded().getOrDefault(PREEMPTED_ATTRIBUTE, "");
            pe.spec = pe.spec.withRecorded(PREEMPTED_ATTRIBUTE, (before.isEmpty() ? "" : before + ",") + v.name());
            ve.changed();
            pe.changed();
        }
    }

    private static boolean stillWaits(JobEntry e, TaskKey k) {
        TaskEntry t = e.task(k.index());
        return t != null ? t.state == JobState.QUEUED
                : e.unstarted.indices.contains(k.index()) && e.unstarted.in(JobState.QUEUED);
    }

    /** Whether a preempted task's grace has passed by {@code now} without its SIGKILL sent. */
    boolean due(Instant now) {
        for (TaskEntry t : running.values()) {
            if (t.preemptor != null && !t.preemptKilled && !t.preemptKillAt.isAfter(now)) {
                return true;
            }
        }
        return false;
    }

    /** SIGKILL, as the walltime limit would send it, to preempted tasks still running past their grace. */
    void killOverdue(Command.PreemptDeadlines c, Outcome out) {
        for (TaskEntry t : running.values()) {
            if (t.preemptor == null || t.preemptKilled || t.preemptKillAt.isAfter(c.now())) {
                continue;
            }
            t.preemptKilled = true;
            for (NodeSlot s : t.current().nodes()) {
                if (nodes.isUp(s.node())) {
                    out.effect(new Effect.Signal(s.node(), t.currentAttemptId(), "KILL"));
                }
            }
        }
    }

    /**
     * A preempted task ended (by itself after SIGTERM, or by SIGKILL): back to its queue with a new attempt to
     * come, its place and its history kept, when its queue requeues and it is rerunnable; else cancelled. Neither
     * counts as a failure of the job nor of its node.
     */
    void ended(TaskEntry t, TaskResult result, Outcome out) {
        String by = t.preemptedBy;
        QueueDef q = queues.defs().get(t.job.spec.queue());
        boolean requeue = (q == null || q.preemptMode() == QueueDef.PreemptMode.REQUEUE)
                && t.job.spec.rerunnable();
        if (requeue) {
            int attempt = t.attempts.size();
            attempts.closeRunningAttempt(t, result.end(), JobState.QUEUED, EndReason.PREEMPTED, result.exitStatus());
            t.comment = TaskEntry.PREEMPTED_BY + by + ", requeued";
            out.alert(Alert.of(Alert.Kind.TASK_REQUEUED, t.name(), "task " + t.name() + " requeued: preempted by "
                    + by + "; attempt " + attempt + " was stopped", result.end()));
        } else {
            attempts.endRunning(t, result.end(), JobState.CANCELLED, EndReason.PREEMPTED, result.exitStatus());
            t.comment = TaskEntry.PREEMPTED_BY + by + ", cancelled" + (t.job.spec.rerunnable() ? ""
                    : " (it is not rerunnable)");
        }
        t.job.changed();
    }
}
