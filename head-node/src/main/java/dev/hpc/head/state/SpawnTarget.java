package dev.hpc.head.state;

import dev.hpc.api.NodeSlot;
import java.util.List;

/**
 * A running attempt as the spawn API sees it: which job it belongs to and which nodes it holds,
 * first node first. Commands may be spawned on those nodes only.
 */
public record SpawnTarget(long attemptId, long jobNumber, String taskName, String owner, List<NodeSlot> nodes) {
    public SpawnTarget {
        nodes = List.copyOf(nodes);
    }

    /** The index of a node in the allocation (PBS_NODENUM), or -1 when it holds no part of it. */
    public int nodeIndex(String node) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).node().equals(node)) {
                return i;
            }
        }
        return -1;
    }
}
