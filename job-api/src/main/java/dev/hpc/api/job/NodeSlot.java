package dev.hpc.api.job;

import java.util.List;

/**
 * The share of one node that a task attempt holds. {@code gpus} are the indices of the node's GPUs the
 * attempt was given, each to one attempt at a time; the job sees only them ({@code CUDA_VISIBLE_DEVICES}).
 */
public record NodeSlot(String node, int cores, long memory, List<Integer> gpus) {
    public NodeSlot {
        gpus = List.copyOf(gpus);
    }

    /** A share with no GPU of its own. */
    public NodeSlot(String node, int cores, long memory) {
        this(node, cores, memory, List.of());
    }

    public NodeSlot withGpus(List<Integer> indices) {
        return new NodeSlot(node, cores, memory, indices);
    }
}
