package dev.hpc.api.job;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A job as the head knows it. {@code state} of an array job summarises its tasks: running while any
 * runs, terminal when all are. {@code cancelledBy} names who cancelled it, empty otherwise.
 * {@code queueRank} orders the job among the waiting jobs of its queue, owner and priority, and its age
 * counts from {@code queueSince}: its number and submission time, until {@code qorder} swaps them with
 * another job's.
 *
 * <p>{@code tasks} is every task in index order. An array job's tasks that never started and are alike are
 * held as one {@link UnstartedTasks} inside a {@link TaskList}, and built as the list is read: the figures
 * below read only what differs ({@link TaskList#forms}).
 */
public record Job(JobId id, JobSpec spec, JobState state, Instant submitted, List<Task> tasks,
                  String cancelledBy, long version, long queueRank, Instant queueSince) {
    public Job {
        tasks = TaskList.copyOf(tasks);
    }

    /** A job in its own place in the queue: ranked by its number, aged from its submission. */
    public Job(JobId id, JobSpec spec, JobState state, Instant submitted, List<Task> tasks, String cancelledBy,
               long version) {
        this(id, spec, state, submitted, tasks, cancelledBy, version, id.number(), submitted);
    }

    /** Whether {@code qorder} gave this job another job's place ({@link #queueRank}, {@link #queueSince}). */
    public boolean reordered() {
        return queueRank != id.number() || !queueSince.equals(submitted);
    }

    /**
     * The tasks kept one by one and not sealed: all of a plain job's; an array's that started or were acted on
     * alone, less those {@link #segments() sealed}.
     */
    public List<Task> listedTasks() {
        return TaskList.listed(tasks);
    }

    /** The array's ended tasks sealed in segments stored apart from its body; none for a plain job. */
    public List<TaskSegment> segments() {
        return TaskList.segments(tasks);
    }

    /** The array's tasks that never started and are alike; {@link UnstartedTasks#NONE} when there are none. */
    public UnstartedTasks unstartedTasks() {
        return tasks instanceof TaskList t ? t.unstarted() : UnstartedTasks.NONE;
    }

    /** The task with this array index ({@link Task#NO_INDEX} for a plain job's), if the job has it. */
    public Optional<Task> task(int index) {
        if (tasks instanceof TaskList t) {
            return t.byIndex(index);
        }
        return tasks.stream().filter(t -> t.index() == index).findFirst();
    }

    public Instant started() {
        return TaskList.forms(tasks).stream().map(Task::firstStart).filter(i -> !i.equals(Instant.EPOCH))
                .min(Instant::compareTo).orElse(Instant.EPOCH);
    }

    public Instant ended() {
        if (!state.isTerminal()) {
            return Instant.EPOCH;
        }
        return TaskList.forms(tasks).stream().map(Task::end).max(Instant::compareTo).orElse(Instant.EPOCH);
    }

    /** The exit status PBS reports for the job: the first non-zero of its tasks, else 0. */
    public int exitStatus() {
        return TaskList.forms(tasks).stream().mapToInt(Task::exitStatus).filter(s -> s != 0).findFirst().orElse(0);
    }

    public EndReason reason() {
        List<Task> forms = TaskList.forms(tasks);
        return forms.stream().map(Task::reason).filter(r -> r != EndReason.NONE && r != EndReason.EXITED).findFirst()
                .orElse(forms.stream().map(Task::reason).filter(r -> r != EndReason.NONE).findFirst()
                        .orElse(EndReason.NONE));
    }
}
