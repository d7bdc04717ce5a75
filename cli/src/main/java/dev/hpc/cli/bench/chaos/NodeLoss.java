package dev.hpc.cli.bench.chaos;

/**
 * A worker lost by the suite: crashed, or cut from the active head (which cannot tell the two apart, and moves
 * the node's tasks either way).
 *
 * @param node    the worker's name
 * @param wallNs  when it was lost, in the clock of the marker lines (nanoseconds since the epoch): a run on that
 *                node that started before and never wrote its end line ended here, as far as the head could know
 * @param untilNs when the loss ended, in the same clock: for a crash the same instant (the agent that starts
 *                again is a new one); for a cut, when it healed. A launch the head sent before then may have been
 *                held by the cut and start its task after it, so a run launched before then belongs to the cut
 * @param cause   how it was lost
 */
public record NodeLoss(String node, long wallNs, long untilNs, Cause cause) {
    /** How a worker was lost. */
    public enum Cause {
        /** Its agent and every process of its tasks were killed; the agent was started again. */
        CRASH,
        /** Its link to the active head was cut, and healed later; its tasks ran on, unseen. */
        CUT
    }

    public NodeLoss {
        if (untilNs < wallNs || cause == Cause.CRASH && untilNs != wallNs) {
            throw new IllegalArgumentException("a loss ends after it begins, a crash at once: " + wallNs + ", "
                    + untilNs + ", " + cause);
        }
    }

    /** A crash. */
    public NodeLoss(String node, long wallNs) {
        this(node, wallNs, wallNs, Cause.CRASH);
    }
}
