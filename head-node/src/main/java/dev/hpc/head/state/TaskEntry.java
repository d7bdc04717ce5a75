package dev.hpc.head.state;

import dev.hpc.api.Attempt;
import dev.hpc.api.EndReason;
import dev.hpc.api.JobState;
import dev.hpc.api.NodeSlot;
import dev.hpc.api.Task;
import dev.hpc.head.sched.TaskKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The mutable form of a task inside the state; {@link #toRecord()} gives the immutable view. */
final class TaskEntry {
    final JobEntry job;
    final int index;
    JobState state;
    final List<Attempt> attempts = new ArrayList<>();
    int exitStatus;
    EndReason reason = EndReason.NONE;
    String comment = "";
    Instant end = Instant.EPOCH;
    /** Set by a cancel of a running task; the worker's result then ends the task as cancelled. */
    boolean cancelRequested;

    TaskEntry(JobEntry job, Task task) {
        this.job = job;
        this.index = task.index();
        this.state = task.state();
        this.attempts.addAll(task.attempts());
        this.exitStatus = task.exitStatus();
        this.reason = task.reason();
        this.comment = task.comment();
        this.end = task.end();
    }

    TaskKey key() {
        return new TaskKey(job.id.number(), index);
    }

    String name() {
        return job.id.taskName(index);
    }

    Attempt current() {
        return attempts.get(attempts.size() - 1);
    }

    long currentAttemptId() {
        return attempts.isEmpty() ? 0 : current().id();
    }

    List<NodeSlot> currentSlots() {
        return state == JobState.RUNNING ? current().nodes() : List.of();
    }

    void moveTo(JobState next) {
        Transitions.check("task " + name(), state, next);
        state = next;
    }

    /** Closes the running attempt with its outcome. */
    void closeAttempt(Instant when, JobState outcome, EndReason why, int status) {
        Attempt a = current();
        attempts.set(attempts.size() - 1, new Attempt(a.id(), a.nodes(), a.start(), when, outcome, why, status));
    }

    Task toRecord() {
        return new Task(index, state, attempts, exitStatus, reason, comment, end);
    }
}
