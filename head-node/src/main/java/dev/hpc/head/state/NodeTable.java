package dev.hpc.head.state;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.OfflineOrigin;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.head.sched.NodeCapacity;
import dev.hpc.head.sched.NodeCapacityChecks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The node table: each node's capacity, what it holds, its marks (offline, draining, stopping) and its health,
 * with the administrators' commands on them and the checks a placement must pass on them. Which task runs where
 * is the state's; the table reads the running attempts only to name them and to see whose they are.
 */
final class NodeTable {
    private final Versions versions;
    /** The running attempts by id, as the state keeps them. */
    private final Map<Long, TaskEntry> running;
    private final TreeMap<String, NodeEntry> nodes = new TreeMap<>();
    /** Nodes to shut down once their running work has ended (a stop with drain). */
    private final TreeSet<String> stopWhenDrained = new TreeSet<>();

    NodeTable(Versions versions, Map<Long, TaskEntry> running) {
        this.versions = versions;
        this.running = running;
    }

    /** The node of this name; null when there is none. */
    NodeEntry get(String name) {
        return nodes.get(name);
    }

    NodeEntry getOrAdd(String name) {
        return nodes.computeIfAbsent(name, NodeEntry::new);
    }

    /** Whether the node is known and up: only then does it hear from the head. */
    boolean isUp(String name) {
        NodeEntry n = nodes.get(name);
        return n != null && n.up;
    }

    /** In name order. */
    Collection<NodeEntry> all() {
        return nodes.values();
    }

    Set<String> names() {
        return nodes.keySet();
    }

    boolean isEmpty() {
        return nodes.isEmpty();
    }

    int size() {
        return nodes.size();
    }

    /** What each node has and has free, as the scheduler sees it. */
    List<NodeCapacity> capacities() {
        List<NodeCapacity> capacities = new ArrayList<>(nodes.size());
        for (NodeEntry n : nodes.values()) {
            capacities.add(new NodeCapacity(n.name, n.schedulable(), n.cores, n.freeCores(), n.memory,
                    n.freeMemory(), n.generic, n.freeGeneric(), n.traits));
        }
        return capacities;
    }

    /**
     * Whether a placement still holds on these nodes, as they are now: their cores, memory and generic resources
     * are free, and the job may have them ({@link #accessAllows}).
     */
    boolean canTake(List<NodeSlot> slots, JobSpec spec) {
        return fits(slots) && genericFits(slots, spec.resources().generic()) && accessAllows(slots, spec);
    }

    /** A stop with drain: the node takes no new work, and is told to shut down once its work has ended. */
    void stopOnceDrained(NodeEntry n, String by) {
        n.draining = true;
        n.drainNote = STOPPING + "draining before its worker stops (requested by " + by + ")";
        n.stopWhenDrained = true;
        stopWhenDrained.add(n.name);
    }

    /** Loads a node known from an earlier run: it is down until its worker registers again. */
    void restore(NodeInfo node, Instant now) {
        NodeEntry n = getOrAdd(node.name());
        n.host = node.host();
        n.cores = node.cores();
        n.memory = node.memory();
        n.traits = node.traits();
        n.watchedSince = now;
        n.reason = "not registered since the head started";
        n.version = Math.max(n.version, node.version());
        restoreMarks(n, node);
    }

    List<NodeInfo> records() {
        List<NodeInfo> out = new ArrayList<>();
        for (NodeEntry n : nodes.values()) {
            out.add(record(n));
        }
        return out;
    }

    Optional<NodeInfo> record(String name) {
        NodeEntry n = nodes.get(name);
        return n == null ? Optional.empty() : Optional.of(record(n));
    }

    /** The node figures for {@code /metrics}: one pass over the nodes, no records built. */
    NodeFigures figures() {
        int[] byKind = new int[NodeFigures.Kind.values().length];
        long cores = 0;
        long alloc = 0;
        long idle = 0;
        for (NodeEntry n : nodes.values()) {
            NodeFigures.Kind kind = switch (n.state()) {
                case DOWN -> NodeFigures.Kind.DOWN;
                case OFFLINE -> NodeFigures.Kind.DRAIN;
                case DRAINING -> NodeFigures.Kind.DRAINING;
                case BUSY -> NodeFigures.Kind.ALLOC;
                case FREE -> n.coresUsed > 0 ? NodeFigures.Kind.MIXED : NodeFigures.Kind.IDLE;
            };
            byKind[kind.ordinal()]++;
            cores += n.cores;
            if (n.up) {
                alloc += n.coresUsed;
                if (n.schedulable()) {
                    idle += n.freeCores();
                }
            }
        }
        return new NodeFigures(byKind, cores, alloc, idle);
    }

    /** Nodes whose last sign of life is older than {@code cutoff} and that are still up, or never came back. */
    List<String> silentSince(Instant cutoff) {
        List<String> out = new ArrayList<>();
        for (NodeEntry n : nodes.values()) {
            Instant lastSign = n.lastHeartbeat.isAfter(n.watchedSince) ? n.lastHeartbeat : n.watchedSince;
            boolean hasWork = !n.attempts.isEmpty();
            if ((n.up || hasWork) && lastSign.isBefore(cutoff)) {
                out.add(n.name);
            }
        }
        return out;
    }

    /**
     * Whether a node would still be judged by the failure detector (up, or holding work) and nothing
     * was heard from it (no heartbeat, no registration) since {@code since}.
     */
    boolean unheardSince(String node, Instant since) {
        NodeEntry n = nodes.get(node);
        if (n == null) {
            return false;
        }
        Instant lastSign = n.lastHeartbeat.isAfter(n.watchedSince) ? n.lastHeartbeat : n.watchedSince;
        return (n.up || !n.attempts.isEmpty()) && lastSign.isBefore(since);
    }

    /** Total and free cores of the schedulable nodes, for the cluster summary. */
    int[] coreTotals() {
        int total = 0;
        int used = 0;
        for (NodeEntry n : nodes.values()) {
            if (n.up) {
                total += n.cores;
                used += n.coresUsed;
            }
        }
        return new int[] {total, used};
    }

    /** The record of a node this command changed, at the node's next version. */
    NodeInfo changed(NodeEntry n) {
        n.version = versions.after(n.version);
        return record(n);
    }

    NodeInfo record(NodeEntry n) {
        List<String> names = new ArrayList<>(n.attempts.size());
        for (long a : n.attempts) {
            TaskEntry t = running.get(a);
            if (t != null) {
                names.add(t.name());
            }
        }
        return n.toRecord(names);
    }

    /** Marks a drain that waits to stop the worker; such a drain is not kept across a head restart. */
    static final String STOPPING = "stopping: ";

    /** The offline mark and drain a stored node had; a stop in progress is forgotten. */
    private static void restoreMarks(NodeEntry n, NodeInfo node) {
        n.offlineBy = node.offlineBy();
        n.offlineNote = node.offlineNote();
        String drainNote = node.state() == NodeState.DRAINING ? node.reason() : "";
        n.draining = node.draining() && !drainNote.startsWith(STOPPING);
        n.drainNote = n.draining ? drainNote : "";
    }

    NodeEntry orReject(String name) {
        NodeEntry n = nodes.get(name);
        if (n == null) {
            throw Rejection.unknownNode("Unknown node " + name);
        }
        return n;
    }

    void answer(NodeEntry n, Outcome out) {
        NodeInfo record = changed(n);
        out.changed(record);
        out.answer(record);
    }

    void setOffline(Command.SetOffline c, Outcome out) {
        NodeEntry n = orReject(c.node());
        OfflineOrigin before = n.offlineBy;
        String note = c.note().strip();
        n.offlineBy = OfflineOrigin.ADMIN;
        n.offlineNote = note.isEmpty() ? "taken offline by " + c.by() : note;
        if (before != OfflineOrigin.ADMIN) {
            out.alert(Alert.of(Alert.Kind.NODE_OFFLINE, n.name, "node " + n.name + " taken offline by " + c.by()
                    + (note.isEmpty() ? "" : ": " + note) + (n.attempts.isEmpty() ? ""
                    : "; its " + n.attempts.size() + " running task(s) go on"), c.now()));
        }
        answer(n, out);
    }

    void clear(Command.ClearNode c, Outcome out) {
        NodeEntry n = orReject(c.node());
        boolean wasOut = n.offlineBy != OfflineOrigin.NONE || n.draining;
        n.offlineBy = OfflineOrigin.NONE;
        n.offlineNote = "";
        n.draining = false;
        n.drainNote = "";
        n.stopWhenDrained = false;
        stopWhenDrained.remove(n.name);
        if (wasOut && n.up) {
            out.alert(Alert.of(Alert.Kind.NODE_BACK, n.name, "node " + n.name + " back in service: cleared by "
                    + c.by(), c.now()));
        }
        answer(n, out);
        out.reschedule();
    }

    void drain(Command.Drain c, Outcome out) {
        NodeEntry n = orReject(c.node());
        String note = c.note().strip();
        n.draining = true;
        n.drainNote = note.isEmpty() ? "draining: requested by " + c.by() : note;
        answer(n, out);
    }

    /** After every command: a node that drains to stop and has no work left is told to shut down. */
    void stopDrained(Outcome out) {
        if (stopWhenDrained.isEmpty()) {
            return;
        }
        for (String name : new ArrayList<>(stopWhenDrained)) {
            NodeEntry n = nodes.get(name);
            if (n != null && n.stopWhenDrained && !n.attempts.isEmpty()) {
                continue;
            }
            stopWhenDrained.remove(name);
            if (n == null || !n.stopWhenDrained) {
                continue;
            }
            n.stopWhenDrained = false;
            n.draining = false;
            n.drainNote = "";
            if (n.up) {
                n.up = false;
                n.lost = false;
                n.reason = "stopped by an administrator after draining";
                out.effect(new Effect.Shutdown(name, n.reason));
            }
            NodeInfo record = changed(n);
            out.changed(record);
            if (out.nodeAnswer().filter(a -> a.name().equals(name)).isPresent()) {
                out.answer(record);
            }
        }
    }

    /** A worker registered: a node that was lost is back; the health it reports counts at once. */
    void registered(NodeEntry n, Register r, Instant now, Outcome out) {
        n.missingSince.clear();
        if (n.lost) {
            n.lost = false;
            out.alert(Alert.of(Alert.Kind.NODE_BACK, n.name, "node " + n.name + " is back: its worker registered "
                    + "again" + (n.offlineBy == OfflineOrigin.NONE ? "" : " (still offline: " + n.offlineReason()
                    + ")"), now));
        }
        if (!r.health().equals(Health.UNKNOWN)) {
            n.health = r.health();
            healthVerdict(n, r.health(), now, out);
        }
    }

    void heartbeat(Command.Heartbeat c, Duration launchGrace, Outcome out) {
        NodeEntry n = nodes.get(c.node());
        if (n != null) {
            n.health = c.health();
            n.lastHeartbeat = c.now();
            heartbeatOfNode(n, c, launchGrace, out);
        }
    }

    private void heartbeatOfNode(NodeEntry n, Command.Heartbeat c, Duration launchGrace, Outcome out) {
        if (!n.up) {
            boolean unregisteredTooLong = !n.registeredHere && !c.now().isBefore(n.watchedSince.plus(launchGrace));
            if (n.lost || unregisteredTooLong) {
                // back from a freeze or a cut on a link that never closed, or heartbeating to this head for longer
                // than a takeover's registrations take without registering: reconcile through a registration. Its
                // heartbeats keep it from the failure detector, so its attempts would stay RUNNING here for ever.
                out.effect(new Effect.Reregister(n.name, "node " + n.name + " is down here (" + n.reason
                        + "); register again"));
            }
            return;
        }
        healthVerdict(n, c.health(), c.now(), out);
    }

    /**
     * A failing check takes the node offline with the script's message, unless an administrator already
     * did; a passing one brings it back only when the check had taken it offline.
     */
    private void healthVerdict(NodeEntry n, Health h, Instant now, Outcome out) {
        if (!h.checkPassed()) {
            String message = h.checkMessage().strip().isEmpty() ? "the health-check script failed"
                    : h.checkMessage().strip();
            if (n.offlineBy == OfflineOrigin.NONE) {
                n.offlineBy = OfflineOrigin.HEALTH_CHECK;
                n.offlineNote = message;
                out.alert(Alert.of(Alert.Kind.NODE_OFFLINE, n.name, "node " + n.name + " offline: health check "
                        + "failed: " + message, now));
                out.changed(changed(n));
            } else if (n.offlineBy == OfflineOrigin.HEALTH_CHECK && !n.offlineNote.equals(message)) {
                n.offlineNote = message;
                out.changed(changed(n));
            }
        } else if (n.offlineBy == OfflineOrigin.HEALTH_CHECK) {
            n.offlineBy = OfflineOrigin.NONE;
            n.offlineNote = "";
            out.alert(Alert.of(Alert.Kind.NODE_BACK, n.name, "node " + n.name + " back in service: its health "
                    + "check passes again", now));
            out.changed(changed(n));
            out.reschedule();
        }
    }

    void lost(NodeEntry n, boolean wasUp, int tasks, Instant now, Outcome out) {
        n.missingSince.clear();
        if (wasUp || tasks > 0) {
            n.lost = true;
            out.alert(Alert.of(Alert.Kind.NODE_DOWN, n.name, "node " + n.name + " is down: " + n.reason
                    + (tasks == 0 ? "" : "; its " + tasks + " running task(s) were requeued or failed"), now));
        }
    }

    private boolean fits(List<NodeSlot> slots) {
        for (NodeSlot s : slots) {
            NodeEntry n = nodes.get(s.node());
            if (n == null || !n.schedulable() || n.freeCores() < s.cores()
                    || (n.memory > 0 && n.freeMemory() < s.memory())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the job may have these nodes as its names and the holds of what runs there go (issue 18):
     * every node it names among them, none it excludes, none held by another job, and for an exclusive
     * job nodes that run nothing (of other users, for exclusive=user).
     */
    private boolean accessAllows(List<NodeSlot> slots, JobSpec spec) {
        NodeAccess a = spec.resources().access();
        Set<String> names = new TreeSet<>();
        for (NodeSlot s : slots) {
            names.add(s.node());
            NodeEntry n = nodes.get(s.node());
            if (n == null || !a.allows(s.node()) || n.heldExclusively()) {
                return false;
            }
            for (String owner : n.holds.values()) {
                if (!owner.equals(spec.owner())) {
                    return false;
                }
            }
            switch (a.sharing()) {
                case EXCLUSIVE -> {
                    if (!n.attempts.isEmpty()) {
                        return false;
                    }
                }
                case USER -> {
                    for (long id : n.attempts) {
                        TaskEntry other = running.get(id);
                        if (other == null || !other.job.spec.owner().equals(spec.owner())) {
                            return false;
                        }
                    }
                }
                case SHARED -> {
                }
            }
        }
        return names.containsAll(a.required());
    }

    /** Whether the nodes of a placement still have the generic resources it asks for free. */
    private boolean genericFits(List<NodeSlot> slots, Map<String, Long> generic) {
        if (generic.isEmpty()) {
            return true;
        }
        for (NodeSlot s : slots) {
            NodeEntry n = nodes.get(s.node());
            if (n == null || !NodeCapacityChecks.covers(n.freeGeneric(), generic)) {
                return false;
            }
        }
        return true;
    }
}
