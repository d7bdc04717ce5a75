package dev.hpc.mpi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The host files of an allocation in the forms MPI reads, made from the lines of
 * {@code $PBS_NODEFILE} (one line per slot, a node's lines together, the first node first): Open
 * MPI's {@code node slots=N} and MPICH Hydra's {@code node:N} (which refuses {@code slots=}).
 */
public final class HostFiles {
    private HostFiles() {
    }

    /** Slots per node, in the order the nodes first appear; blank lines and {@code #} comments are skipped. */
    public static Map<String, Integer> slots(List<String> nodeFileLines) {
        Map<String, Integer> slots = new LinkedHashMap<>();
        for (String line : nodeFileLines) {
            String node = line.strip();
            if (node.isEmpty() || node.startsWith("#")) {
                continue;
            }
            Integer n = slots.get(node);
            slots.put(node, n == null ? 1 : n + 1);
        }
        return slots;
    }

    /** Open MPI's form: {@code node slots=N}, one line per node. */
    public static String openMpi(Map<String, Integer> slots) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Integer> e : slots.entrySet()) {
            b.append(e.getKey()).append(" slots=").append(e.getValue()).append('\n');
        }
        return b.toString();
    }

    /** MPICH Hydra's form: {@code node:N}, one line per node. */
    public static String mpich(Map<String, Integer> slots) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Integer> e : slots.entrySet()) {
            b.append(e.getKey()).append(':').append(e.getValue()).append('\n');
        }
        return b.toString();
    }

    /** Every slot, one line each, as {@code $PBS_NODEFILE} has them. */
    public static int total(Map<String, Integer> slots) {
        int total = 0;
        for (int n : slots.values()) {
            total += n;
        }
        return total;
    }
}
