package dev.hpc.head.sched;

/** A node as the scheduler sees it: whether it takes work and what is free on it. */
public record NodeCapacity(String name, boolean schedulable, int cores, int freeCores, long memory,
                           long freeMemory) {
}
