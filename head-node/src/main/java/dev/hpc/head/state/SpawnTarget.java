package dev.hpc.head.state;

import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.ProcessLimits;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A running attempt as the spawn API sees it: which job it belongs to and which nodes it holds,
 * first node first. Commands may be spawned on those nodes only.
 *
 * <p>A command spawned on a node runs as a process of the job there would (issue 18): with the job's
 * per-process {@code limits}, and with {@code gpuEnvironment} of that node, the GPU variables the
 * attempt's script would see on it ({@link ClusterState#GPU_VARIABLES}; empty for a node without
 * GPUs whose job set none itself).
 */
public record SpawnTarget(long attemptId, long jobNumber, String taskName, String owner, List<NodeSlot> nodes,
                          ProcessLimits limits, Map<String, Map<String, String>> gpuEnvironment) {
    public SpawnTarget {
        nodes = List.copyOf(nodes);
        Map<String, Map<String, String>> copy = new TreeMap<>();
        gpuEnvironment.forEach((node, env) -> copy.put(node, Map.copyOf(env)));
        gpuEnvironment = Collections.unmodifiableMap(copy);
    }

    /** A target whose job has no per-process limits and whose nodes have no GPUs. */
    public SpawnTarget(long attemptId, long jobNumber, String taskName, String owner, List<NodeSlot> nodes) {
        this(attemptId, jobNumber, taskName, owner, nodes, ProcessLimits.NONE, Map.of());
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

    /**
     * The environment of a command spawned on {@code node}: the caller's, whose GPU variables belong to the
     * caller's node and so are replaced by this node's binding, and {@code PBS_NODENUM}.
     */
    public Map<String, String> environmentOn(String node, Map<String, String> caller) {
        Map<String, String> env = new TreeMap<>(caller);
        ClusterState.GPU_VARIABLES.forEach(env::remove);
        env.putAll(gpuEnvironment.getOrDefault(node, Map.of()));
        env.put("PBS_NODENUM", Integer.toString(nodeIndex(node)));
        return env;
    }
}
