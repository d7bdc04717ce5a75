package dev.hpc.api;

/** The share of one node that a task attempt holds. */
public record NodeSlot(String node, int cores, long memory) {
}
