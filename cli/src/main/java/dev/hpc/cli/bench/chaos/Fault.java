package dev.hpc.cli.bench.chaos;

import java.time.Duration;

/**
 * One planned fault.
 *
 * @param number 1-based, in schedule order
 * @param kind   what it does
 * @param worker the worker it crashes ({@code node3}); empty for a head fault, whose head is whichever holds the
 *               role when the fault comes
 * @param gap    the pause, once the cluster has recovered from the previous fault, before this one
 */
public record Fault(int number, FaultKind kind, String worker, Duration gap) {
    @Override
    public String toString() {
        return "#" + number + " " + kind.label() + (worker.isEmpty() ? "" : " " + worker) + " after "
                + gap.toMillis() + " ms";
    }
}
