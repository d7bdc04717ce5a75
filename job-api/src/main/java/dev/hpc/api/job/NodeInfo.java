package dev.hpc.api.job;

import java.time.Instant;
import java.util.List;

/**
 * A node as the head sees it: capacity, use, health and the tasks on it ({@code 42.c}, {@code 43[2].c}).
 * {@code reason} explains a down, offline or draining state; {@code lastHeartbeat} is
 * {@link Instant#EPOCH} if none was ever received.
 *
 * <p>{@code offlineBy} and {@code offlineNote} keep the offline mark even while the node is down
 * (PBS shows {@code down,offline}): who took it offline and why (the administrator's note, or the
 * health-check script's message). {@code draining} is set while the node takes no new work but
 * lets its running work finish.
 *
 * <p>{@code version} grows with every change the active head commits of the node, across takeovers, so that
 * an older record never overwrites a newer one in a store, whatever order writes arrive in (0: a record that
 * was never committed, or one written before nodes had versions).
 *
 * <p>{@code traits} are the properties and string-valued host resources its worker declared at its last
 * registration; kept while the node is down, so that the head knows the names after a restart.
 */
public record NodeInfo(String name, String host, NodeState state, int cores, int coresUsed, long memory,
                       long memoryUsed, Health health, Instant lastHeartbeat, String reason, List<String> tasks,
                       OfflineOrigin offlineBy, String offlineNote, boolean draining, long version,
                       NodeTraits traits) {
    public NodeInfo {
        tasks = List.copyOf(tasks);
    }

    /** A node that declared no properties or host resources. */
    public NodeInfo(String name, String host, NodeState state, int cores, int coresUsed, long memory,
                    long memoryUsed, Health health, Instant lastHeartbeat, String reason, List<String> tasks,
                    OfflineOrigin offlineBy, String offlineNote, boolean draining, long version) {
        this(name, host, state, cores, coresUsed, memory, memoryUsed, health, lastHeartbeat, reason, tasks,
                offlineBy, offlineNote, draining, version, NodeTraits.NONE);
    }

    /** A node record of no committed version. */
    public NodeInfo(String name, String host, NodeState state, int cores, int coresUsed, long memory,
                    long memoryUsed, Health health, Instant lastHeartbeat, String reason, List<String> tasks,
                    OfflineOrigin offlineBy, String offlineNote, boolean draining) {
        this(name, host, state, cores, coresUsed, memory, memoryUsed, health, lastHeartbeat, reason, tasks,
                offlineBy, offlineNote, draining, 0);
    }

    /** A node without offline mark or drain, as the head shows nodes that never had one. */
    public NodeInfo(String name, String host, NodeState state, int cores, int coresUsed, long memory,
                    long memoryUsed, Health health, Instant lastHeartbeat, String reason, List<String> tasks) {
        this(name, host, state, cores, coresUsed, memory, memoryUsed, health, lastHeartbeat, reason, tasks,
                state == NodeState.OFFLINE ? OfflineOrigin.ADMIN : OfflineOrigin.NONE,
                state == NodeState.OFFLINE ? reason : "", state == NodeState.DRAINING);
    }

    public NodeInfo withTraits(NodeTraits t) {
        return new NodeInfo(name, host, state, cores, coresUsed, memory, memoryUsed, health, lastHeartbeat, reason,
                tasks, offlineBy, offlineNote, draining, version, t);
    }

    public boolean offline() {
        return offlineBy != OfflineOrigin.NONE;
    }
}
