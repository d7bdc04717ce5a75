package dev.hpc.head.replication;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * Raises the replicated epoch atomically, on the member that owns it, to one above both its value
 * and what the caller has seen. Hazelcast's CP subsystem (fenced locks) is not open source, so the
 * epoch is kept this way (see TECH-NOTES).
 */
final class RaiseEpoch implements EntryProcessor<String, Long, Long> {
    private static final long serialVersionUID = 1L;
    private final long atLeast;

    RaiseEpoch(long atLeast) {
        this.atLeast = atLeast;
    }

    @Override
    public Long process(Map.Entry<String, Long> entry) {
        long current = entry.getValue() == null ? 0 : entry.getValue();
        long next = Math.max(current, atLeast) + 1;
        entry.setValue(next);
        return next;
    }
}
