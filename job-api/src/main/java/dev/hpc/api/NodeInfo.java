package dev.hpc.api;

import java.time.Instant;
import java.util.List;

/**
 * A node as the head sees it: capacity, use, health and the tasks on it ({@code 42.c}, {@code 43[2].c}).
 * {@code reason} explains a down or offline state; {@code lastHeartbeat} is {@link Instant#EPOCH}
 * if none was ever received.
 */
public record NodeInfo(String name, String host, NodeState state, int cores, int coresUsed, long memory,
                       long memoryUsed, Health health, Instant lastHeartbeat, String reason, List<String> tasks) {
    public NodeInfo {
        tasks = List.copyOf(tasks);
    }
}
