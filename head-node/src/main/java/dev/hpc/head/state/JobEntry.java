package dev.hpc.head.state;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import dev.hpc.api.job.TaskList;
import dev.hpc.api.job.TaskSegment;
import dev.hpc.api.job.UnstartedTasks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.PrimitiveIterator;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The mutable form of a job inside the state; its state is the summary of its tasks.
 *
 * <p>A task is kept as its own {@link TaskEntry} once it starts or is acted on alone; an array's other tasks
 * are {@link Unstarted}: their indices as runs and one form they share, so that a job of a million tasks holds
 * what differs between them, not a million records (issue 15). Taking a task out of the unstarted ones
 * ({@link #touch}) changes nothing a reader sees: it is the same task, held apart.
 */
final class JobEntry {
    final JobId id;
    /** Changes only through {@code qalter}, with the job out of the queue index meanwhile. */
    JobSpec spec;
    final Instant submitted;
    /** The tasks kept one by one, by index: every task of a plain job. */
    private final TreeMap<Integer, TaskEntry> kept = new TreeMap<>();
    /** The kept tasks that are queued, by index. */
    private final TreeMap<Integer, TaskEntry> queuedKept = new TreeMap<>();
    /** An array's tasks that never started and are alike; empty for a plain job. */
    final Unstarted unstarted;
    /** An array's ended tasks sealed apart from its body, oldest first; they never change (issue 15). */
    private final List<TaskSegment> sealed = new ArrayList<>();
    /** How many kept tasks have ended: sealed together once there are enough of them. */
    private int endedKept;
    /** When the last sealed task ended. */
    private Instant sealedLastEnd = Instant.EPOCH;
    /** How many tasks are in each state, unstarted ones included. */
    private final int[] counts = new int[JobState.values().length];
    String cancelledBy;
    long version;
    /**
     * Its place among the waiting jobs of its group ({@link QueueIndex}) and the time its age counts from: its
     * number and submission until {@code qorder} swaps them; changed only with the job out of the queue index.
     */
    long rank;
    Instant rankSince;
    int running;
    /** Whether the queue index holds this job; kept by {@link QueueIndex}. */
    boolean inQueue;
    /** What {@link JobTally} last counted this job as; set when the job enters the state. */
    JobTally.Counted counted;

    /** Told of each task that starts or stops waiting (queued or held). */
    private final WaitingCounts waiting;
    /** Told of every change of this job's tasks, so that the command that made it commits it. */
    private final ChangedJobs changes;
    /** Holds the job while any of its tasks is queued. */
    private final QueueIndex queue;

    JobEntry(Job job, WaitingCounts waiting, ChangedJobs changes, QueueIndex queue) {
        this.waiting = waiting;
        this.changes = changes;
        this.queue = queue;
        this.id = job.id();
        this.spec = job.spec();
        this.submitted = job.submitted();
        this.cancelledBy = job.cancelledBy();
        this.version = job.version();
        this.rank = job.queueRank();
        this.rankSince = job.queueSince();
        this.unstarted = new Unstarted(job.unstartedTasks());
        for (Task t : job.listedTasks()) {
            TaskEntry e = new TaskEntry(this, t);
            kept.put(e.index, e);
            if (e.state == JobState.QUEUED) {
                queuedKept.put(e.index, e);
            } else if (e.state == JobState.RUNNING) {
                running++;
            } else if (e.state.isTerminal()) {
                endedKept++;
            }
            count(e.state, 1);
        }
        for (TaskSegment s : job.segments()) {
            sealed.add(s);
            for (Task t : s.tasks()) {
                count(t.state(), 1);
                sealedLastEnd = t.end().isAfter(sealedLastEnd) ? t.end() : sealedLastEnd;
            }
        }
        if (!unstarted.indices.isEmpty()) {
            count(unstarted.state, unstarted.indices.size());
        }
    }

    /** Notes that this job changed in the command being applied. */
    void changed() {
        changes.add(this);
    }

    /** Notes that the scheduler's explanation changed what readers see of this job, with nothing to commit. */
    void reexplained() {
        changes.reexplained(this);
    }

    /** The kept task with this index (-1 for a plain job's), or null: an unstarted task is not kept. */
    TaskEntry task(int index) {
        if (!id.array()) {
            return index < 0 ? kept.get(Task.NO_INDEX) : null;
        }
        return kept.get(index);
    }

    /** Whether the job has a task with this array index (-1 for a plain job's). */
    boolean has(int index) {
        return task(index) != null || unstarted.indices.contains(index) || sealedTask(index) != null;
    }

    private Task sealedTask(int index) {
        for (TaskSegment s : sealed) {
            Task t = s.byIndex(index);
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    /**
     * The task with this index kept apart from the unstarted ones, so that it may change alone; null when the
     * job has no such task. Taking it apart is no change: it is the same task. A sealed task is given as a copy
     * that is not kept: it has ended, so no command can change it (the {@link Transitions} table allows nothing
     * from an end state), and commands only look at it to refuse.
     */
    TaskEntry touch(int index) {
        TaskEntry t = task(index);
        if (t == null) {
            Task ended = sealedTask(index);
            if (ended != null) {
                return new TaskEntry(this, ended);
            }
        }
        if (t != null || !unstarted.indices.remove(index)) {
            return t;
        }
        t = new TaskEntry(this, unstarted.task(index));
        t.dependencyWait = unstarted.dependencyWait;
        kept.put(index, t);
        if (t.state == JobState.QUEUED) {
            queuedKept.put(index, t);
        }
        return t;
    }

    /** The kept tasks, in index order. */
    Collection<TaskEntry> keptTasks() {
        return kept.values();
    }

    int taskCount() {
        return kept.size() + unstarted.indices.size() + sealedCount();
    }

    private int sealedCount() {
        int n = 0;
        for (TaskSegment s : sealed) {
            n += s.size();
        }
        return n;
    }

    /** The state of the first sealed task: an end state. */
    JobState sealedState() {
        return sealed.isEmpty() ? JobState.COMPLETED : sealed.get(0).tasks().get(0).state();
    }

    /** How many segments of sealed tasks the job has. */
    int segments() {
        return sealed.size();
    }

    /**
     * Seals the ended kept tasks of an array into a new segment once there are at least {@code atLeast} of them,
     * and gives it; a plain job is never sealed. The job at {@code version} names the segment: both are written
     * in the same commit. Readers see the same tasks before and after.
     */
    Optional<TaskSegment> sealEnded(int atLeast, long version) {
        if (!id.array() || endedKept < atLeast || endedKept == 0) {
            return Optional.empty();
        }
        List<Task> ended = new ArrayList<>(endedKept);
        Iterator<TaskEntry> it = kept.values().iterator();
        while (it.hasNext()) {
            TaskEntry t = it.next();
            if (t.state.isTerminal()) {
                Task record = t.toRecord();
                ended.add(record);
                sealedLastEnd = record.end().isAfter(sealedLastEnd) ? record.end() : sealedLastEnd;
                it.remove();
            }
        }
        endedKept = 0;
        TaskSegment segment = new TaskSegment(id.number(), sealed.size(), version, ended);
        sealed.add(segment);
        return Optional.of(segment);
    }

    /** A kept task moved: the counts, the waiting figures and the queue follow. Called by {@link TaskEntry}. */
    void moved(TaskEntry t, JobState from, JobState to) {
        if (to.isTerminal()) {
            endedKept++;
        }
        if (from == JobState.QUEUED) {
            queuedKept.remove(t.index);
        }
        if (to == JobState.QUEUED) {
            queuedKept.put(t.index, t);
        }
        count(from, -1);
        count(to, 1);
    }

    private void count(JobState s, int delta) {
        int waitingBefore = waitingTasks();
        counts[s.ordinal()] += delta;
        if (WaitingCounts.waiting(s)) {
            waiting.add(spec.owner(), delta);
            int waitingAfter = waitingTasks();
            if (waitingBefore == 0 && waitingAfter > 0) {
                waiting.addJob(spec.owner(), 1);
            } else if (waitingBefore > 0 && waitingAfter == 0) {
                waiting.addJob(spec.owner(), -1);
            }
        }
        if (s == JobState.QUEUED) {
            queue.adjust(this, delta);
        }
    }

    /** The queued task with this index, taken apart from the unstarted ones when it is one; null when none. */
    TaskEntry queuedTask(int index) {
        TaskEntry t = task(index);
        if (t != null) {
            return t.state == JobState.QUEUED ? t : null;
        }
        return unstarted.in(JobState.QUEUED) ? touch(index) : null;
    }

    int queuedTasks() {
        return counts[JobState.QUEUED.ordinal()];
    }

    /** How many of its tasks are in this state, unstarted ones included. */
    int tasksIn(JobState s) {
        return counts[s.ordinal()];
    }

    private int waitingTasks() {
        return counts[JobState.QUEUED.ordinal()] + counts[JobState.HELD.ordinal()];
    }

    /** Whether any task is in one of these states. */
    boolean anyIn(JobState a, JobState b) {
        return counts[a.ordinal()] + counts[b.ordinal()] > 0;
    }

    /** Whether every task is queued or held. */
    boolean allWaiting() {
        return waitingTasks() == taskCount();
    }

    /** The indices of the queued tasks in ascending order, kept and unstarted; valid until the next change. */
    PrimitiveIterator.OfInt queuedIndices() {
        Iterator<Integer> keptIt = queuedKept.keySet().iterator();
        PrimitiveIterator.OfInt rest = unstarted.state == JobState.QUEUED ? unstarted.indices.iterator()
                : IntStream.empty().iterator();
        return new PrimitiveIterator.OfInt() {
            private boolean keptHas = keptIt.hasNext();
            private int keptNext = keptHas ? keptIt.next() : 0;
            private boolean restHas = rest.hasNext();
            private int restNext = restHas ? rest.nextInt() : 0;

            @Override
            public boolean hasNext() {
                return keptHas || restHas;
            }

            @Override
            public int nextInt() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                if (keptHas && (!restHas || keptNext < restNext)) {
                    int v = keptNext;
                    keptHas = keptIt.hasNext();
                    keptNext = keptHas ? keptIt.next() : 0;
                    return v;
                }
                int v = restNext;
                restHas = rest.hasNext();
                restNext = restHas ? rest.nextInt() : 0;
                return v;
            }
        };
    }

    JobState state() {
        if (counts[JobState.RUNNING.ordinal()] > 0) {
            return JobState.RUNNING;
        }
        if (counts[JobState.QUEUED.ordinal()] > 0) {
            return JobState.QUEUED;
        }
        if (counts[JobState.HELD.ordinal()] > 0) {
            return JobState.HELD;
        }
        if (counts[JobState.CANCELLED.ordinal()] > 0) {
            return JobState.CANCELLED;
        }
        return counts[JobState.FAILED.ordinal()] > 0 ? JobState.FAILED : JobState.COMPLETED;
    }

    /** When the last of its tasks ended; {@link Instant#EPOCH} when none did. */
    Instant lastEnd() {
        Instant ended = unstarted.indices.isEmpty() ? Instant.EPOCH : unstarted.end;
        ended = sealedLastEnd.isAfter(ended) ? sealedLastEnd : ended;
        for (TaskEntry t : kept.values()) {
            ended = t.end.isAfter(ended) ? t.end : ended;
        }
        return ended;
    }

    Job toRecord() {
        List<Task> list = new ArrayList<>(kept.size());
        for (TaskEntry t : kept.values()) {
            list.add(t.toRecord());
        }
        List<Task> tasks = id.array() ? TaskList.of(list, unstarted.toRecord(), sealed) : list;
        return new Job(id, spec, state(), submitted, tasks, cancelledBy, version, rank, rankSince);
    }

    /**
     * An array's tasks that never started and are alike: their indices and the form they share. They move
     * together ({@link #moveTo}); a task that is to differ from them is taken apart first ({@link #touch}).
     */
    final class Unstarted {
        final IndexRuns indices;
        JobState state;
        /** The hold types while held: u (user), o (operator). */
        String holds;
        String comment;
        int exitStatus;
        EndReason reason;
        Instant end;
        /** Set by the scheduler's explanation: they wait for a dependency (shown as hold type s). */
        boolean dependencyWait;

        Unstarted(UnstartedTasks u) {
            this.indices = new IndexRuns(u.indices());
            this.state = u.state();
            this.holds = u.state() == JobState.HELD ? u.holds().replace("s", "") : "";
            if (state == JobState.HELD && holds.isEmpty()) {
                holds = "u";
            }
            this.comment = u.comment();
            this.exitStatus = u.exitStatus();
            this.reason = u.reason();
            this.end = u.end();
        }

        boolean isEmpty() {
            return indices.isEmpty();
        }

        /** Whether there are unstarted tasks and they are in this state. */
        boolean in(JobState s) {
            return !indices.isEmpty() && state == s;
        }

        void moveTo(JobState next) {
            if (next == JobState.RUNNING) {
                throw new Transitions.IllegalTransition("unstarted tasks of job " + id + " (a task starts alone, "
                        + "taken apart first)", state, next);
            }
            Transitions.check("unstarted tasks " + indices.toIndexSet() + " of job " + id, state, next);
            int n = indices.size();
            count(state, -n);
            state = next;
            count(next, n);
            changed();
        }

        /** The task at {@code index}, as it is while among them. */
        Task task(int index) {
            return new Task(index, state, List.of(), exitStatus, reason, comment, end, shownHolds(), Instant.EPOCH);
        }

        private String shownHolds() {
            return state == JobState.HELD ? holds : state == JobState.QUEUED && dependencyWait ? "s" : "";
        }

        /** Their record; estimated starts belong to the few tasks the scheduler reserved for, kept apart. */
        UnstartedTasks toRecord() {
            if (indices.isEmpty()) {
                return UnstartedTasks.NONE;
            }
            return new UnstartedTasks(indices.toIndexSet(), state, shownHolds(), comment, exitStatus, reason, end,
                    Instant.EPOCH);
        }
    }
}
