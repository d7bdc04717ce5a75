package dev.hpc.worker;

import java.util.OptionalLong;

/**
 * The highest head epoch this worker has seen in a welcome (DESIGN.md invariant 2). A head whose
 * epoch is lower is a deposed head: its commands are ignored. Pure; confined to the event loop.
 */
public final class EpochFence {

    /** How a head's epoch compares with the highest seen so far. */
    public enum Verdict {
        /** Higher than any seen: this head is now the one to obey. */
        NEWER,
        /** Equal to the highest: the head already obeyed (or another link to it). */
        SAME,
        /** Lower: a deposed head. */
        STALE
    }

    private OptionalLong highest = OptionalLong.empty();

    /** Compares {@code epoch} with the highest seen, and raises the highest when it is newer. */
    public Verdict observe(long epoch) {
        if (highest.isEmpty() || epoch > highest.getAsLong()) {
            highest = OptionalLong.of(epoch);
            return Verdict.NEWER;
        }
        return epoch == highest.getAsLong() ? Verdict.SAME : Verdict.STALE;
    }

    /** Whether a command of {@code epoch} may be obeyed, without changing anything. */
    public boolean admits(long epoch) {
        return highest.isEmpty() || epoch >= highest.getAsLong();
    }

    public OptionalLong highest() {
        return highest;
    }
}
