package dev.hpc.head.sched;

/** Scheduler settings: at most {@code maxStartsPerCycle} placements per plan. */
public record Policy(int maxStartsPerCycle) {
    public static final Policy DEFAULT = new Policy(2000);
}
