package dev.hpc.head.sched;

/** A task of a job: {@code index} is -1 for a plain job. */
public record TaskKey(long jobNumber, int index) implements Comparable<TaskKey> {
    @Override
    public int compareTo(TaskKey o) {
        int c = Long.compare(jobNumber, o.jobNumber);
        return c != 0 ? c : Integer.compare(index, o.index);
    }
}
