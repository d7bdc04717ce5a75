package dev.hpc.head.state;

import java.util.Collections;
import java.util.Comparator;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The jobs with queued tasks, in groups of one queue, owner and job priority, each group in job number
 * order (their ranks' order: {@code qorder} swaps two jobs' ranks); a job gives its queued tasks in index
 * order ({@link JobEntry#queuedIndices}). The scheduler merges
 * the groups by priority (docs/scheduling.md), so the state never sorts the whole queue, and an array of a
 * million queued tasks is one entry here. A job's group comes from its spec: a job whose spec changes
 * ({@code qalter}) leaves the index before the change and comes back after ({@link #regroup}).
 */
final class QueueIndex {
    /** Rank order: number order until {@code qorder} swaps two jobs' ranks. */
    static final Comparator<JobEntry> NUMBER_ORDER = Comparator.comparingLong((JobEntry e) -> e.rank)
            .thenComparingLong(e -> e.id.number());

    record Group(String queue, String owner, int priority) implements Comparable<Group> {
        @Override
        public int compareTo(Group o) {
            int c = queue.compareTo(o.queue);
            if (c == 0) {
                c = owner.compareTo(o.owner);
            }
            return c != 0 ? c : Integer.compare(o.priority, priority);
        }
    }

    private final TreeMap<Group, TreeSet<JobEntry>> groups = new TreeMap<>();
    /** Queued tasks of every job in the index. */
    private long size;

    private static Group groupOf(JobEntry e) {
        return new Group(e.spec.queue(), e.spec.owner(), e.spec.priority());
    }

    /** {@code delta} tasks of the job became queued (positive) or stopped being queued; called by the job. */
    void adjust(JobEntry e, int delta) {
        size += delta;
        if (e.queuedTasks() > 0 && !e.inQueue) {
            groups.computeIfAbsent(groupOf(e), g -> new TreeSet<>(NUMBER_ORDER)).add(e);
            e.inQueue = true;
        } else if (e.queuedTasks() == 0 && e.inQueue) {
            leave(e);
        }
    }

    private void leave(JobEntry e) {
        Group g = groupOf(e);
        TreeSet<JobEntry> set = groups.get(g);
        if (set == null || !set.remove(e)) {
            throw new IllegalStateException("should never happen: job " + e.id + " is not in its queue group " + g);
        }
        if (set.isEmpty()) {
            groups.remove(g);
        }
        e.inQueue = false;
    }

    /** Runs a change of the job's spec with the job out of the index, so that it comes back in its new group. */
    void regroup(JobEntry e, Runnable change) {
        boolean was = e.inQueue;
        if (was) {
            leave(e);
        }
        change.run();
        if (was) {
            groups.computeIfAbsent(groupOf(e), g -> new TreeSet<>(NUMBER_ORDER)).add(e);
            e.inQueue = true;
        }
    }

    /** How many tasks are queued. */
    long size() {
        return size;
    }

    NavigableMap<Group, TreeSet<JobEntry>> groups() {
        return Collections.unmodifiableNavigableMap(groups);
    }
}
