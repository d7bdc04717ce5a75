package dev.hpc.head.state;

import dev.hpc.api.job.EndReason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Work lost with a node: a node found gone, stopped by an administrator, or that no longer lists an attempt it
 * was given. The tasks it ran go back to the queue or fail, as after any node failure.
 */
final class NodeLoss {
    private final NodeTable nodes;
    private final Map<Long, TaskEntry> running;
    private final RunningAttempts attempts;

    NodeLoss(NodeTable nodes, Map<Long, TaskEntry> running, RunningAttempts attempts) {
        this.nodes = nodes;
        this.running = running;
        this.attempts = attempts;
    }

    /** The node is gone (its heartbeats stopped, or its link closed): its running tasks are requeued or fail. */
    void lose(Command.LoseNode c, Outcome out) {
        NodeEntry n = nodes.get(c.node());
        if (n == null) {
            return;
        }
        boolean wasUp = n.up;
        n.up = false;
        n.reason = c.reason();
        int tasks = moveTasksOf(n, c.now(), c.taskReason(), c.reason(), out);
        nodes.lost(n, wasUp, tasks, c.now(), out);
        out.changed(nodes.changed(n));
        out.reschedule();
    }

    /** {@code pbsnodes} stop: at once, its tasks moving as after a node failure; or once it has drained. */
    void stop(Command.StopNode c, Outcome out) {
        NodeEntry n = nodes.orReject(c.node());
        if (!n.up) {
            throw Rejection.notAllowed("node " + n.name + " is down (" + n.reason + "): its worker is not "
                    + "connected, so there is nothing to stop");
        }
        if (c.drain()) {
            nodes.stopOnceDrained(n, c.by());
        } else {
            n.up = false;
            n.lost = false;
            n.reason = "stopped by " + c.by();
            moveTasksOf(n, c.now(), EndReason.NODE_FAILURE, "its worker was stopped by " + c.by(), out);
            n.draining = false;
            n.drainNote = "";
            out.effect(new Effect.Shutdown(n.name, n.reason));
            out.reschedule();
        }
        nodes.answer(n, out);
    }

    /** Attempts that vanished from a node that still heartbeats: their tasks move as after a node failure. */
    void checkRunning(Command.CheckRunning c, Outcome out) {
        NodeEntry n = nodes.get(c.node());
        if (n == null || !n.up) {
            return;
        }
        n.missingSince.keySet().retainAll(n.attempts);
        Set<Long> listed = new HashSet<>(c.running());
        boolean moved = false;
        for (long attemptId : new ArrayList<>(n.attempts)) {
            TaskEntry t = running.get(attemptId);
            if (t == null || t.currentAttemptId() != attemptId
                    || !t.current().nodes().get(0).node().equals(n.name)) {
                continue;
            }
            if (listed.contains(attemptId)) {
                n.missingSince.remove(attemptId);
                continue;
            }
            Instant since = n.missingSince.computeIfAbsent(attemptId, k -> c.now());
            boolean startedLongAgo = !t.current().start().plus(c.grace()).isAfter(c.now());
            if (startedLongAgo && !since.plus(c.grace()).isAfter(c.now())) {
                n.missingSince.remove(attemptId);
                attempts.requeueOrFail(t, c.now(), EndReason.NODE_FAILURE, out, n.name, "attempt " + attemptId
                        + " vanished: the worker has not listed it for " + c.grace().toMillis() + " ms");
                moved = true;
            }
        }
        if (moved) {
            out.changed(nodes.changed(n));
            out.reschedule();
        }
    }

    /** Requeues or fails every task that runs on the node; how many there were. */
    private int moveTasksOf(NodeEntry n, Instant now, EndReason reason, String why, Outcome out) {
        int tasks = 0;
        for (long attemptId : new ArrayList<>(n.attempts)) {
            TaskEntry t = running.get(attemptId);
            if (t != null) {
                attempts.requeueOrFail(t, now, reason, out, n.name, why);
                tasks++;
            }
        }
        return tasks;
    }
}
