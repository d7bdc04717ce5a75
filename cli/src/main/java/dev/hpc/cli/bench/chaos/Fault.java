package dev.hpc.cli.bench.chaos;

import java.time.Duration;
import java.util.Optional;

/**
 * One planned fault.
 *
 * @param number 1-based, in schedule order
 * @param kind   what it does
 * @param worker the worker it crashes ({@code node3}); empty for a head fault, whose head is whichever holds the
 *               role when the fault comes
 * @param gap    the pause, once the cluster has recovered from the previous fault, before this one
 * @param cut    for a cut, how its links are cut; empty for other faults
 * @param hold   for a cut, how long it lasts before it heals; zero for other faults
 */
public record Fault(int number, FaultKind kind, String worker, Duration gap, Optional<Forwarder.CutMode> cut,
                    Duration hold) {
    public Fault {
        if (kind.cut() != cut.isPresent()) {
            throw new IllegalArgumentException("a cut, and only a cut, has a cut mode: " + kind + " " + cut);
        }
    }

    /** A fault that is no cut. */
    public Fault(int number, FaultKind kind, String worker, Duration gap) {
        this(number, kind, worker, gap, Optional.empty(), Duration.ZERO);
    }

    @Override
    public String toString() {
        return "#" + number + " " + kind.label() + (worker.isEmpty() ? "" : " " + worker)
                + cut.map(m -> " (" + m.label() + ", " + hold.toMillis() + " ms)").orElse("") + " after "
                + gap.toMillis() + " ms";
    }
}
