package dev.hpc.head.state;

import dev.hpc.api.Health;
import dev.hpc.api.NodeInfo;
import dev.hpc.api.NodeState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** The mutable form of a node inside the state. */
final class NodeEntry {
    final String name;
    String host = "";
    int cores;
    long memory;
    Map<String, Long> generic = new TreeMap<>();
    int coresUsed;
    long memoryUsed;
    /** True while the node is up: registered and heard from within its timeout. */
    boolean up;
    /** Set by an administrator or a failed health check; the node takes no new work. */
    boolean offline;
    Health health = Health.UNKNOWN;
    Instant lastHeartbeat = Instant.EPOCH;
    /** When the head started watching this node; a node restored from the store gets a grace period. */
    Instant watchedSince = Instant.EPOCH;
    String reason = "";
    final TreeSet<Long> attempts = new TreeSet<>();

    NodeEntry(String name) {
        this.name = name;
    }

    NodeState state() {
        if (!up) {
            return NodeState.DOWN;
        }
        if (offline) {
            return NodeState.OFFLINE;
        }
        return coresUsed >= cores ? NodeState.BUSY : NodeState.FREE;
    }

    boolean schedulable() {
        return up && !offline;
    }

    int freeCores() {
        return Math.max(0, cores - coresUsed);
    }

    long freeMemory() {
        return Math.max(0, memory - memoryUsed);
    }

    NodeInfo toRecord(List<String> taskNames) {
        return new NodeInfo(name, host, state(), cores, coresUsed, memory, memoryUsed, health, lastHeartbeat, reason,
                taskNames);
    }
}
