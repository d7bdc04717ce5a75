package dev.hpc.head.state;

import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Task;
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
    /** The hold types of a held task: u (user), o (operator). */
    String holds = "";
    /** Set by the scheduler's explanation: the queued task waits for a dependency (shown as hold type s). */
    boolean dependencyWait;
    /** When the scheduler expects the queued task to start; {@link Instant#EPOCH} when it has no estimate. */
    Instant estimatedStart = Instant.EPOCH;
    /**
     * Set while the running task is being preempted: the task it makes room for, and that task's name and queue as
     * its comment tells them. Cleared when the attempt closes. Restored from the comment after a takeover, when
     * the preemptor is no longer known: the task is then killed at once ({@link #preemptKillAt} of the epoch).
     */
    TaskKey preemptor;
    String preemptedBy = "";
    /** When a preempted task that has not ended gets SIGKILL; whether it was sent. */
    Instant preemptKillAt = Instant.EPOCH;
    boolean preemptKilled;
    /** The record of an ended task, built once. */
    private Task record;

    TaskEntry(JobEntry job, Task task) {
        this.job = job;
        this.index = task.index();
        this.state = task.state();
        this.attempts.addAll(task.attempts());
        this.exitStatus = task.exitStatus();
        this.reason = task.reason();
        this.comment = task.comment();
        this.end = task.end();
        this.holds = task.state() == JobState.HELD ? task.holds().replace("s", "") : "";
        if (this.state == JobState.HELD && this.holds.isEmpty()) {
            this.holds = "u";
        }
        if (this.state == JobState.RUNNING && comment.startsWith(PREEMPTED_BY) && comment.indexOf(')') > 0) {
            this.preemptor = UNKNOWN_PREEMPTOR;
            this.preemptedBy = comment.substring(PREEMPTED_BY.length(), comment.indexOf(')') + 1);
        }
    }

    static final String PREEMPTED_BY = "preempted by ";
    /** The preemptor of a task whose preemption began on an earlier head. */
    static final TaskKey UNKNOWN_PREEMPTOR = new TaskKey(0, Task.NO_INDEX);

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
        JobState from = state;
        state = next;
        job.moved(this, from, next);
        job.changed();
    }

    /** Closes the running attempt with its outcome. */
    void closeAttempt(Instant when, JobState outcome, EndReason why, int status) {
        Attempt a = current();
        attempts.set(attempts.size() - 1, new Attempt(a.id(), a.nodes(), a.start(), when, outcome, why, status));
        preemptor = null;
        preemptedBy = "";
        preemptKillAt = Instant.EPOCH;
        preemptKilled = false;
        job.changed();
    }

    Task toRecord() {
        Task last = record;
        // an ended task no longer changes: a job of many ended tasks reuses their records at each change
        if (last != null && last.state() == state && last.comment() == comment && last.exitStatus() == exitStatus
                && last.reason() == reason && last.end() == end && last.attempts().size() == attempts.size()) {
            return last;
        }
        boolean queued = state == JobState.QUEUED;
        String shownHolds = state == JobState.HELD ? holds : queued && dependencyWait ? "s" : "";
        Task built = new Task(index, state, attempts, exitStatus, reason, comment, end, shownHolds,
                queued ? estimatedStart : Instant.EPOCH);
        record = state.isTerminal() ? built : null;
        return built;
    }
}
