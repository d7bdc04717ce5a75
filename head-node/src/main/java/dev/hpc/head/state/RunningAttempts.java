package dev.hpc.head.state;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The running attempts by id, and how one ends: done, requeued after a node failure, or failed when it may not
 * be requeued again. Ending one gives back its nodes and charges its owner's fair-share usage.
 */
final class RunningAttempts {
    private final Map<Long, TaskEntry> running;
    private final NodeTable nodes;
    private final FairShareLedger fairShare;
    private final int maxRequeues;
    /** The last attempt id given out; ids start at {@code epoch << 32}, so no two terms give out the same. */
    private long lastId;

    RunningAttempts(Map<Long, TaskEntry> running, NodeTable nodes, FairShareLedger fairShare, int maxRequeues,
                    long epoch) {
        this.running = running;
        this.nodes = nodes;
        this.fairShare = fairShare;
        this.maxRequeues = maxRequeues;
        this.lastId = epoch << 32;
    }

    long nextId() {
        return ++lastId;
    }

    /** Whether the attempt is the current one of a running task and was started on {@code node}. */
    boolean isCurrentOn(long attemptId, String node) {
        TaskEntry t = running.get(attemptId);
        return t != null && t.currentAttemptId() == attemptId && t.current().nodes().get(0).node().equals(node);
    }

    /** Ends the running attempt and the task with it, freeing its nodes. */
    void endRunning(TaskEntry t, Instant when, JobState outcome, EndReason reason, int exitStatus) {
        closeRunningAttempt(t, when, outcome, reason, exitStatus);
        t.reason = reason;
        t.exitStatus = exitStatus;
        t.end = when;
        t.comment = outcome == JobState.COMPLETED ? "" : reason.description();
    }

    /** Ends the running attempt, gives back its nodes and charges its owner for it; the task moves to {@code to}. */
    void closeRunningAttempt(TaskEntry t, Instant when, JobState to, EndReason reason, int exitStatus) {
        release(t, t.currentAttemptId());
        t.closeAttempt(when, to, reason, exitStatus);
        fairShare.charge(t.job.spec.owner(), t.current());
        t.moveTo(to);
    }

    /** Gives back the nodes an attempt held. */
    private void release(TaskEntry t, long attemptId) {
        running.remove(attemptId);
        t.job.running--;
        for (NodeSlot s : t.current().nodes()) {
            NodeEntry n = nodes.get(s.node());
            if (n != null) {
                n.vacate(attemptId, s, t.job.spec);
            }
        }
    }

    /**
     * A running task lost its node. Rerunnable tasks go back to the queue with a fresh attempt to come
     * (they keep their place, ahead of newer work); others fail with the node-failure reason.
     */
    private void requeueOrFail(TaskEntry t, Instant now, EndReason reason, Outcome out) {
        long attemptId = t.currentAttemptId();
        for (NodeSlot s : t.current().nodes()) {
            if (nodes.isUp(s.node())) {
                out.effect(new Effect.Kill(s.node(), attemptId, reason));
            }
        }
        if (t.cancelRequested) {
            endRunning(t, now, JobState.CANCELLED, EndReason.CANCELLED, 256 + 15);
        } else if (!t.job.spec.rerunnable()) {
            endRunning(t, now, JobState.FAILED, EndReason.NODE_FAILURE, -1);
        } else if (t.attempts.stream().filter(a -> a.reason() != EndReason.PREEMPTED).count() > maxRequeues) {
            endRunning(t, now, JobState.FAILED, EndReason.REQUEUE_LIMIT, -1);
            t.comment = "requeued " + maxRequeues + " times after node failures; giving up";
        } else {
            closeRunningAttempt(t, now, JobState.QUEUED, reason, -1);
            t.comment = "requeued: node " + t.current().nodes().get(0).node() + " failed";
        }
        t.job.changed();
    }

    /** {@link #requeueOrFail(TaskEntry, Instant, EndReason, Outcome)}, and the alert that tells of it. */
    void requeueOrFail(TaskEntry t, Instant now, EndReason reason, Outcome out, String failedNode, String why) {
        int attempt = t.attempts.size();
        requeueOrFail(t, now, reason, out);
        String task = t.name();
        String what = "node " + failedNode + " failed (" + why + ")";
        if (t.state == JobState.QUEUED) {
            out.alert(Alert.of(Alert.Kind.TASK_REQUEUED, task, "task " + task + " requeued: " + what + "; attempt "
                    + attempt + " ended, at most " + (maxRequeues + 1) + " in all", now));
        } else if (t.state == JobState.FAILED) {
            out.alert(Alert.of(Alert.Kind.TASK_FAILED_NODE_FAILURE, task, "task " + task + " failed: " + what
                    + (t.reason == EndReason.REQUEUE_LIMIT ? "; it was requeued " + maxRequeues + " times already"
                    : "; it is not rerunnable (qsub -r n)"), now));
        }
    }

    /**
     * Attempts a worker says it runs that are not the current attempt of a task started on it: stale
     * (a launch that crossed a requeue, a worker back from a cut). They are to be killed.
     */
    List<Effect> stale(String node, List<Long> runningAttempts) {
        List<Effect> kills = new ArrayList<>();
        for (long attemptId : runningAttempts) {
            if (!isCurrentOn(attemptId, node)) {
                kills.add(new Effect.Kill(node, attemptId, EndReason.NODE_FAILURE));
            }
        }
        return kills;
    }
}
