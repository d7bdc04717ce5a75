package dev.hpc.head.state;

/**
 * The nodes and cores of the state at one moment, for {@code /metrics}, in the words of Slurm's node states.
 *
 * @param byKind     nodes of each {@link Kind}, by ordinal
 * @param cores      the cores of every node the head knows, down ones included
 * @param coresAlloc the cores that running tasks hold on nodes that are up
 * @param coresIdle  the free cores of nodes that take work (up, not offline, not draining)
 */
public record NodeFigures(int[] byKind, long cores, long coresAlloc, long coresIdle) {

    /** A node's state as Slurm names it; pbsnodes' names in brackets. */
    public enum Kind {
        /** Up, taking work, no core in use ({@code free}). */
        IDLE,
        /** Up, taking work, some cores in use ({@code free}). */
        MIXED,
        /** Up, every core in use ({@code job-exclusive}). */
        ALLOC,
        /** Takes no new work, its running work goes on ({@code draining}). */
        DRAINING,
        /** Taken out of service by an administrator or a health check ({@code offline}). */
        DRAIN,
        /** Silent past its timeout, or not registered since the head started ({@code down}). */
        DOWN
    }

    public int nodes(Kind k) {
        return byKind[k.ordinal()];
    }

    public int nodes() {
        int n = 0;
        for (int c : byKind) {
            n += c;
        }
        return n;
    }

    /** Cores neither held by tasks nor free to take work: on nodes down, offline or draining. */
    public long coresOther() {
        return Math.max(0, cores - coresAlloc - coresIdle);
    }
}
