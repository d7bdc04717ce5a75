package dev.hpc.head.sched;

import java.util.Map;

/** Checks on generic resources that the state shares with the scheduler. */
public final class NodeCapacityChecks {
    private NodeCapacityChecks() {
    }

    /** Whether {@code have} holds at least {@code want} of every generic resource. */
    public static boolean covers(Map<String, Long> have, Map<String, Long> want) {
        return NodePool.covers(have, want);
    }
}
