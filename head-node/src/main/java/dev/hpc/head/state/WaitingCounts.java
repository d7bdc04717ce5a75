package dev.hpc.head.state;

import dev.hpc.api.JobState;
import java.util.HashMap;
import java.util.Map;

/**
 * How many queued or held tasks each owner has, kept as tasks move so that the per-user queued limit
 * (docs/security.md) costs a lookup, not a pass over every job.
 */
final class WaitingCounts {
    private final Map<String, Integer> byOwner = new HashMap<>();

    static boolean waiting(JobState s) {
        return s == JobState.QUEUED || s == JobState.HELD;
    }

    void add(String owner, int delta) {
        if (byOwner.merge(owner, delta, Integer::sum) <= 0) {
            byOwner.remove(owner);
        }
    }

    int of(String owner) {
        return byOwner.getOrDefault(owner, 0);
    }
}
