package dev.hpc.head.sched;

import dev.hpc.api.job.NodeTraits;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A node as the scheduler sees it: whether it takes work and what is free on it. {@code generic}
 * holds the generic resources its worker declared ({@code gpu=2}), {@code freeGeneric} what of them
 * no task holds. A node with memory 0 declared no memory figure and is not limited by memory.
 * {@code traits} are its properties and string-valued host resources, which a job's
 * {@link dev.hpc.api.job.NodeConstraint} must admit.
 */
public record NodeCapacity(String name, boolean schedulable, int cores, int freeCores, long memory,
                           long freeMemory, Map<String, Long> generic, Map<String, Long> freeGeneric,
                           NodeTraits traits) {

    /** A node without properties or host resources. */
    public NodeCapacity(String name, boolean schedulable, int cores, int freeCores, long memory, long freeMemory,
                        Map<String, Long> generic, Map<String, Long> freeGeneric) {
        this(name, schedulable, cores, freeCores, memory, freeMemory, generic, freeGeneric, NodeTraits.NONE);
    }

    public NodeCapacity {
        generic = generic.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(generic));
        freeGeneric = freeGeneric.isEmpty() ? Map.of()
                : Collections.unmodifiableMap(new TreeMap<>(freeGeneric));
    }

    /** A node without generic resources. */
    public NodeCapacity(String name, boolean schedulable, int cores, int freeCores, long memory, long freeMemory) {
        this(name, schedulable, cores, freeCores, memory, freeMemory, Map.of(), Map.of());
    }
}
