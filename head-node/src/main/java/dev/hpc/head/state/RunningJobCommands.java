package dev.hpc.head.state;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import java.util.List;

/**
 * The commands that reach a job's processes: {@code qdel}, {@code qrerun}, {@code qsig} and {@code qmsg}. What
 * they do on a node goes out as effects, after every earlier change is durable.
 */
final class RunningJobCommands {
    private final JobRefs refs;
    private final NodeTable nodes;
    private final RunningAttempts attempts;

    RunningJobCommands(JobRefs refs, NodeTable nodes, RunningAttempts attempts) {
        this.refs = refs;
        this.nodes = nodes;
        this.attempts = attempts;
    }

    void cancel(Command.Cancel c, Outcome out) {
        JobEntry e = refs.resolve(c.job());
        List<TaskEntry> targets = refs.tasksOf(e, c.job());
        JobEntry.Unstarted unstarted = e.unstarted;
        boolean unstartedLive = JobRefs.namesWholeJob(c.job())
                && (unstarted.in(JobState.QUEUED) || unstarted.in(JobState.HELD));
        boolean anyLive = unstartedLive || targets.stream().anyMatch(t -> !t.state.isTerminal());
        if (!anyLive) {
            throw Rejection.notAllowed("job " + c.job() + " has already finished (" + e.state()
                    + "); there is nothing to cancel");
        }
        for (TaskEntry t : targets) {
            if (t.state == JobState.QUEUED || t.state == JobState.HELD) {
                t.moveTo(JobState.CANCELLED);
                t.reason = EndReason.CANCELLED;
                t.exitStatus = 256 + 15;
                t.end = c.now();
                t.comment = "cancelled by " + c.user() + " before it started";
            } else if (t.state == JobState.RUNNING && !t.cancelRequested) {
                t.cancelRequested = true;
                t.comment = "cancelled by " + c.user() + "; waiting for its processes to end";
                for (NodeSlot s : t.current().nodes()) {
                    out.effect(new Effect.Kill(s.node(), t.currentAttemptId(), EndReason.CANCELLED));
                }
                NodeEntry first = nodes.get(t.current().nodes().get(0).node());
                if (first == null || !first.up) {
                    attempts.endRunning(t, c.now(), JobState.CANCELLED, EndReason.CANCELLED, 256 + 15);
                }
            }
        }
        if (unstartedLive) {
            unstarted.moveTo(JobState.CANCELLED);
            unstarted.reason = EndReason.CANCELLED;
            unstarted.exitStatus = 256 + 15;
            unstarted.end = c.now();
            unstarted.comment = "cancelled by " + c.user() + " before it started";
        }
        e.cancelledBy = c.user();
        e.changed();
        out.answer(e.toRecord());
        out.reschedule();
    }

    /**
     * {@code qrerun}: every running task the reference names goes back to the queue with a new attempt to come,
     * as after a node failure, but its attempt ends as cancelled: the node is neither blamed nor avoided. The
     * whole request is checked before anything changes.
     */
    void rerun(Command.Rerun c, Outcome out) {
        JobEntry e = refs.resolve(c.job());
        List<TaskEntry> targets = refs.runningTasks(e, c.job(), "rerun",
                ": a queued job starts by itself, a held one after qrls");
        for (TaskEntry t : targets) {
            if (t.cancelRequested) {
                throw Rejection.notAllowed("task " + t.name() + " is being cancelled; it cannot be rerun");
            }
            if (!t.job.spec.rerunnable()) {
                throw Rejection.notAllowed("job " + c.job() + " was submitted as not rerunnable (qsub -r n); "
                        + "it cannot be rerun. Cancel it (qdel) and submit it again instead");
            }
        }
        for (TaskEntry t : targets) {
            long attemptId = t.currentAttemptId();
            int attempt = t.attempts.size();
            for (NodeSlot s : t.current().nodes()) {
                if (nodes.isUp(s.node())) {
                    // CANCELLED, a reason every worker knows: its result for this attempt is stale and ignored anyway
                    out.effect(new Effect.Kill(s.node(), attemptId, EndReason.CANCELLED));
                }
            }
            attempts.closeRunningAttempt(t, c.now(), JobState.QUEUED, EndReason.CANCELLED, -1);
            t.comment = "requeued by " + c.user() + " (qrerun)";
            out.alert(Alert.of(Alert.Kind.TASK_REQUEUED, t.name(), "task " + t.name() + " requeued by " + c.user()
                    + " (qrerun); attempt " + attempt + " was killed", c.now()));
        }
        e.changed();
        out.answer(e.toRecord());
        out.reschedule();
    }

    /**
     * {@code qsig}: the signal goes to every node of each running task's attempt, where the worker sends it to the
     * script's processes and to the commands spawned into the attempt. Nothing in the job changes, so nothing is
     * written; the effects still go out only after every earlier change is durable.
     */
    void signal(Command.Signal c, Outcome out) {
        JobEntry e = refs.resolve(c.job());
        for (TaskEntry t : refs.runningTasks(e, c.job(), "signalled", "")) {
            long attemptId = t.currentAttemptId();
            for (NodeSlot s : t.current().nodes()) {
                if (nodes.isUp(s.node())) {
                    out.effect(new Effect.Signal(s.node(), attemptId, c.signal()));
                }
            }
        }
        out.answer(e.toRecord());
    }

    /** {@code qmsg}: the line goes to the node where each running task's script runs, which holds its files. */
    void message(Command.Message c, Outcome out) {
        JobEntry e = refs.resolve(c.job());
        for (TaskEntry t : refs.runningTasks(e, c.job(), "sent a message",
                ": a job's output file is written on its node while it runs")) {
            NodeSlot first = t.current().nodes().get(0);
            if (nodes.isUp(first.node())) {
                out.effect(new Effect.AppendOutput(first.node(), t.currentAttemptId(), c.stream(), c.text()));
            }
        }
        out.answer(e.toRecord());
    }
}
