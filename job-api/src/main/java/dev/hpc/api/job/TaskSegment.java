package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Ended tasks of an array job, sealed together and stored apart from the job's body (issue 15): an ended task
 * never changes, so a commit writes each segment once, and the body names only how many segments the job has.
 * Without them, every change of a running array rewrote all its ended tasks, and a million-task array stalled
 * its head. Segments of a job are numbered from 0 in the order they were sealed; their tasks are in index
 * order, though one segment's indices may fall between another's (tasks end in any order).
 */
public final class TaskSegment {
    private final long job;
    private final int number;
    private final long version;
    private final List<Task> tasks;
    /** The tasks that decide the job's figures, found once: a segment never changes. */
    private final List<Task> deciding;

    /**
     * @param job     the job's number
     * @param number  the segment's number within the job
     * @param version the job's version when it was sealed: a split that heals keeps the newer, as for the body
     * @param tasks   ended tasks in ascending index order
     */
    public TaskSegment(long job, int number, long version, List<Task> tasks) {
        this.job = job;
        this.number = number;
        this.version = version;
        this.tasks = List.copyOf(tasks);
        if (number < 0) {
            throw new InvalidRequestException("segment " + number + " of job " + job + ": numbers start at 0");
        }
        for (int i = 0; i < this.tasks.size(); i++) {
            Task t = this.tasks.get(i);
            if (!t.state().isTerminal()) {
                throw new InvalidRequestException("segment " + number + " of job " + job + " holds task " + t.index()
                        + " in state " + t.state() + "; only ended tasks are sealed");
            }
            if (i > 0 && t.index() <= this.tasks.get(i - 1).index()) {
                throw new InvalidRequestException("segment " + number + " of job " + job + " lists task " + t.index()
                        + " after " + this.tasks.get(i - 1).index() + "; tasks go in ascending index order");
            }
        }
        this.deciding = deciding(this.tasks);
    }

    public long job() {
        return job;
    }

    public int number() {
        return number;
    }

    public long version() {
        return version;
    }

    /** The ended tasks, in ascending index order. */
    public List<Task> tasks() {
        return tasks;
    }

    /** The key of this segment in the replicated map: job and number. */
    public String key() {
        return key(job, number);
    }

    public static String key(long job, int number) {
        return job + "/" + number;
    }

    public int size() {
        return tasks.size();
    }

    /** The task with this index, or null when the segment does not hold it. */
    public Task byIndex(int index) {
        if (tasks.isEmpty() || index < tasks.get(0).index() || index > tasks.get(tasks.size() - 1).index()) {
            return null;
        }
        int lo = 0;
        int hi = tasks.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int at = tasks.get(mid).index();
            if (at < index) {
                lo = mid + 1;
            } else if (at > index) {
                hi = mid - 1;
            } else {
                return tasks.get(mid);
            }
        }
        return null;
    }

    /** See {@link #deciding(Collection)}; of this segment's tasks. */
    List<Task> deciding() {
        return deciding;
    }

    /**
     * The few of {@code tasks} that decide every figure of a job over all of them (the first start, the last end,
     * and by lowest index the first non-zero exit status, the first unusual end reason and the first end reason),
     * in index order: what {@link TaskList#forms} gives for sealed tasks instead of all of them. The deciding
     * tasks of several segments together give the deciding tasks of all their tasks.
     */
    static List<Task> deciding(Collection<Task> tasks) {
        Task firstStart = null;
        Task lastEnd = null;
        Task nonZero = null;
        Task unusual = null;
        Task anyReason = null;
        for (Task t : tasks) {
            Instant start = t.firstStart();
            if (!start.equals(Instant.EPOCH) && (firstStart == null || start.isBefore(firstStart.firstStart()))) {
                firstStart = t;
            }
            if (lastEnd == null || t.end().isAfter(lastEnd.end())) {
                lastEnd = t;
            }
            if (t.exitStatus() != 0 && (nonZero == null || t.index() < nonZero.index())) {
                nonZero = t;
            }
            boolean reasoned = t.reason() != EndReason.NONE;
            if (reasoned && t.reason() != EndReason.EXITED && (unusual == null || t.index() < unusual.index())) {
                unusual = t;
            }
            if (reasoned && (anyReason == null || t.index() < anyReason.index())) {
                anyReason = t;
            }
        }
        List<Task> out = new ArrayList<>(5);
        for (Task t : new Task[] {firstStart, lastEnd, nonZero, unusual, anyReason}) {
            if (t != null && out.stream().noneMatch(o -> o == t)) {
                out.add(t);
            }
        }
        out.sort((a, b) -> Integer.compare(a.index(), b.index()));
        return List.copyOf(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskSegment s && s.job == job && s.number == number && s.version == version
                && s.tasks.equals(tasks);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(job) * 31 + number;
    }

    @Override
    public String toString() {
        return "segment " + number + " of job " + job + " (" + tasks.size() + " ended tasks)";
    }
}
