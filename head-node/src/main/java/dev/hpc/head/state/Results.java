package dev.hpc.head.state;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.wire.WireMessage.TaskResult;
import java.util.Map;

/** How a worker's result ends its attempt: acknowledged always, applied only to the current, running attempt. */
final class Results {
    private final Map<Long, TaskEntry> running;
    private final NodeTable nodes;
    private final RunningAttempts attempts;
    private final Preemption preemption;

    Results(Map<Long, TaskEntry> running, NodeTable nodes, RunningAttempts attempts, Preemption preemption) {
        this.running = running;
        this.nodes = nodes;
        this.attempts = attempts;
        this.preemption = preemption;
    }

    /**
     * Applies a result from a worker; a result of any but the current attempt is stale and changes nothing.
     */
    void finish(String node, TaskResult result, Outcome out) {
        out.effect(new Effect.Ack(node, result.attemptId()));
        TaskEntry t = running.get(result.attemptId());
        if (t == null || t.state != JobState.RUNNING || t.currentAttemptId() != result.attemptId()) {
            return;
        }
        if (t.preemptor != null && !t.cancelRequested) {
            preemption.ended(t, result, out);
            killSpawnsOnOtherNodes(t, node, result.attemptId(), EndReason.PREEMPTED, out);
            out.reschedule();
            return;
        }
        JobState outcome;
        EndReason reason = result.reason();
        if (t.cancelRequested || reason == EndReason.CANCELLED) {
            outcome = JobState.CANCELLED;
            reason = EndReason.CANCELLED;
        } else if (reason == EndReason.EXITED && result.exitStatus() == 0) {
            outcome = JobState.COMPLETED;
        } else {
            outcome = JobState.FAILED;
        }
        attempts.endRunning(t, result.end(), outcome, reason, result.exitStatus());
        if (outcome == JobState.FAILED && !result.detail().isBlank()) {
            t.comment = reason.description() + ": " + result.detail();
        }
        killSpawnsOnOtherNodes(t, node, result.attemptId(), reason, out);
        out.reschedule();
    }

    /**
     * The script of a multi-node attempt ended on its first node: the other nodes of the allocation
     * kill what they still run for it (commands spawned by MPI or {@code hpc dsh}; docs/mpi.md).
     */
    private void killSpawnsOnOtherNodes(TaskEntry t, String reportingNode, long attemptId, EndReason reason,
                                        Outcome out) {
        for (NodeSlot s : t.current().nodes()) {
            if (!s.node().equals(reportingNode) && nodes.isUp(s.node())) {
                out.effect(new Effect.Kill(s.node(), attemptId, reason));
            }
        }
    }
}
