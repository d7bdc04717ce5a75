package dev.hpc.head.state;

import dev.hpc.api.job.Health;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.NodeTraits;
import dev.hpc.api.job.OfflineOrigin;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
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
    /** The properties and string-valued host resources its worker declared; kept while it is down. */
    NodeTraits traits = NodeTraits.NONE;
    int coresUsed;
    long memoryUsed;
    /** Generic resources held by running tasks ({@code gpu=1}), per name. */
    final Map<String, Long> genericUsed = new TreeMap<>();
    /** True while the node is up: registered and heard from within its timeout. */
    boolean up;
    /**
     * Who took the node offline ({@link OfflineOrigin#NONE} when it is not): it then takes no new
     * work. Kept while the node is down, so that an offline node that dies and comes back stays offline.
     */
    OfflineOrigin offlineBy = OfflineOrigin.NONE;
    /** The administrator's note, or the health-check script's message. */
    String offlineNote = "";
    /** Takes no new work; its running work continues. */
    boolean draining;
    /** Grows with each change committed; see {@link NodeInfo#version()}. */
    long version;
    /** Why it drains (the administrator's note, or "stopping"). */
    String drainNote = "";
    /** Set by a stop that waits for the drain: the worker is told to shut down once its work has ended. */
    boolean stopWhenDrained;
    /** True once the node was marked down by the failure detector (not a node restored at start-up). */
    boolean lost;
    /** False from a restore at start-up or takeover until the node's worker registers with this head. */
    boolean registeredHere;
    Health health = Health.UNKNOWN;
    Instant lastHeartbeat = Instant.EPOCH;
    /** When the head started watching this node; a node restored from the store gets a grace period. */
    Instant watchedSince = Instant.EPOCH;
    /** Why the node is down. */
    String reason = "";
    final TreeSet<Long> attempts = new TreeSet<>();
    /**
     * The attempts among {@link #attempts} that hold the node (issue 18): "" for one that lets no other job
     * start here (exclusive), else the owner whose jobs alone may (exclusive=user).
     */
    final Map<Long, String> holds = new TreeMap<>();
    /** Attempts the head holds on this node that its heartbeats no longer list, with when they were first missed. */
    final Map<Long, Instant> missingSince = new HashMap<>();

    NodeEntry(String name) {
        this.name = name;
    }

    NodeState state() {
        if (!up) {
            return NodeState.DOWN;
        }
        if (offlineBy != OfflineOrigin.NONE) {
            return NodeState.OFFLINE;
        }
        if (draining) {
            return NodeState.DRAINING;
        }
        return coresUsed >= cores || heldExclusively() ? NodeState.BUSY : NodeState.FREE;
    }

    /** Whether an exclusive job runs here, so that no other job starts here. */
    boolean heldExclusively() {
        return holds.containsValue("");
    }

    /** Notes an attempt of a job that holds the node as {@code sharing} says; nothing for a shared one. */
    void hold(long attemptId, NodeAccess.Sharing sharing, String owner) {
        switch (sharing) {
            case EXCLUSIVE -> holds.put(attemptId, "");
            case USER -> holds.put(attemptId, owner);
            case SHARED -> {
            }
        }
    }

    /** An attempt of a job takes its share of the node: cores, memory, generic resources, and its hold. */
    void occupy(long attemptId, NodeSlot slot, JobSpec spec) {
        attempts.add(attemptId);
        hold(attemptId, spec.resources().access().sharing(), spec.owner());
        coresUsed += slot.cores();
        memoryUsed += slot.memory();
        useGeneric(spec.resources().generic(), 1);
    }

    /** Gives back what the attempt held here, its GPUs included; nothing when it held nothing here. */
    void vacate(long attemptId, NodeSlot slot, JobSpec spec) {
        if (attempts.remove(attemptId)) {
            holds.remove(attemptId);
            coresUsed -= slot.cores();
            memoryUsed -= slot.memory();
            useGeneric(spec.resources().generic(), -1);
            holdGpus(slot.gpus(), false);
        }
    }

    boolean schedulable() {
        return up && offlineBy == OfflineOrigin.NONE && !draining;
    }

    int freeCores() {
        return Math.max(0, cores - coresUsed);
    }

    long freeMemory() {
        return Math.max(0, memory - memoryUsed);
    }

    /** The indices of this node's GPUs that running attempts hold, each by one attempt (issue 19). */
    final BitSet gpusHeld = new BitSet();

    /**
     * The {@code count} lowest GPU indices no attempt holds, now held; fewer when the node has fewer free (the
     * generic count the scheduler checked says it has them, so that is a node re-registered with fewer GPUs).
     */
    List<Integer> takeGpus(long count) {
        long gpus = generic.getOrDefault(GPU, 0L);
        List<Integer> out = new ArrayList<>();
        for (int i = gpusHeld.nextClearBit(0); i < gpus && out.size() < count; i = gpusHeld.nextClearBit(i + 1)) {
            out.add(i);
            gpusHeld.set(i);
        }
        return out;
    }

    /** Holds ({@code held} true) or gives back the GPU indices of an attempt. */
    void holdGpus(List<Integer> indices, boolean held) {
        for (int i : indices) {
            gpusHeld.set(i, held);
        }
    }

    /** Whether the node declares GPUs: a task on it sees only its own, or none. */
    boolean hasGpus() {
        return generic.getOrDefault(GPU, 0L) > 0;
    }

    /** The generic resource that counts GPUs ({@code ngpus}, {@code --gres=gpu:N}). */
    static final String GPU = "gpu";

    /** Adds ({@code sign} 1) or gives back ({@code sign} -1) generic resources a task holds here. */
    void useGeneric(Map<String, Long> amounts, int sign) {
        amounts.forEach((k, v) -> {
            long now = genericUsed.getOrDefault(k, 0L) + sign * v;
            if (now <= 0) {
                genericUsed.remove(k);
            } else {
                genericUsed.put(k, now);
            }
        });
    }

    /** The generic resources no task holds. */
    Map<String, Long> freeGeneric() {
        if (genericUsed.isEmpty()) {
            return generic;
        }
        Map<String, Long> out = new TreeMap<>(generic);
        genericUsed.forEach((k, v) -> out.merge(k, -v, Long::sum));
        return out;
    }

    /** What explains the state: why it is down, why it is offline, why it drains; empty when it works. */
    String stateReason() {
        if (!up) {
            return reason;
        }
        if (offlineBy != OfflineOrigin.NONE) {
            return offlineReason();
        }
        return draining ? drainNote : "";
    }

    String offlineReason() {
        return switch (offlineBy) {
            case ADMIN -> offlineNote.isEmpty() ? "offline: taken out of service by an administrator" : offlineNote;
            case HEALTH_CHECK -> "health check failed" + (offlineNote.isEmpty() ? "" : ": " + offlineNote);
            case NONE -> "";
        };
    }

    NodeInfo toRecord(List<String> taskNames) {
        return new NodeInfo(name, host, state(), cores, coresUsed, memory, memoryUsed, health, lastHeartbeat,
                stateReason(), taskNames, offlineBy, offlineNote, draining, version, traits);
    }
}
